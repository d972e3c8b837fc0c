// The retirement forecast's chart: retirements per month (per year for a masked reader), stacked by
// staffing type, read from the page's JSON data island (ECharts 6, served locally; no inline script).
(function () {
  var element = document.getElementById("forecast-chart");
  var source = document.getElementById("forecast-data");
  if (!element || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = ["#1f4e79", "#6c8ebf", "#198754", "#b58105"];
  var series = data.series.map(function (s, i) {
    return { name: s.name, type: "bar", stack: "total", data: s.data, itemStyle: { color: colours[i % colours.length] } };
  });
  series.push({
    name: data.total_label, type: "line", data: data.total, symbolSize: 4,
    lineStyle: { width: 1, type: "dashed", color: "#6c757d" }, itemStyle: { color: "#6c757d" }
  });
  var chart = echarts.init(element);
  chart.setOption({
    // Drawn on the canvas: the HTML tooltip writes style attributes, which the Content-Security-Policy refuses.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, bottom: 56, top: 40 },
    xAxis: { type: "category", data: data.periods, axisLabel: { rotate: data.periods.length > 24 ? 45 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: series
  });
  element.setAttribute("data-drawn", data.periods.length);
  window.addEventListener("resize", function () { chart.resize(); });
})();
