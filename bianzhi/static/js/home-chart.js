// The home page's chart: approved, actual and vacant staffing per type (ECharts 6, served locally).
(function () {
  var element = document.getElementById("figures-chart");
  var source = document.getElementById("chart-data");
  if (!element || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(element);
  chart.setOption({
    // Drawn on the canvas: the HTML tooltip writes style attributes, which the Content-Security-Policy refuses.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, bottom: 32, top: 40 },
    xAxis: { type: "category", data: data.types },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.approved, type: "bar", data: data.approved, itemStyle: { color: "#1f4e79" } },
      { name: data.labels.actual, type: "bar", data: data.actual, itemStyle: { color: "#6c8ebf" } },
      { name: data.labels.vacancy, type: "bar", data: data.vacancy, itemStyle: { color: "#198754" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
