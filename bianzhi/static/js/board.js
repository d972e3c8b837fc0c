// 全局一屏 (issue 15): the board's charts (ECharts 6, served locally). The data comes from the
// json_script element #board-data: figures (key → [value, link, label]) and the layout of the charts.
// Every chart element opens the page listing the rows behind its figure. No inline script, no eval
// and no HTML tooltips (the Content-Security-Policy refuses injected styles): tooltips are drawn on the canvas.
(function () {
  "use strict";

  // The dimension switcher: choosing a dimension shows its board at once; the department picker
  // counts only for the department dimension.
  var form = document.getElementById("board-form");
  var unit = document.getElementById("board-unit");
  function syncPicker() {
    if (!form || !unit) return;
    var checked = form.querySelector("input[name=dimension]:checked");
    var department = checked && checked.value === "department";
    unit.disabled = !department;
    unit.hidden = !department;
  }
  if (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "dimension") {
        syncPicker();
        if (target.value !== "department" || unit.value) form.submit();
      } else if (target === unit && unit.value) {
        form.submit();
      }
    });
    syncPicker();
  }

  var source = document.getElementById("board-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var figures = data.figures;
  var layout = data.layout;
  var labels = data.labels;
  var SEVERITY_COLOURS = { "高": "#dc3545", "中": "#fd7e14", "低": "#0d6efd" };
  var METRIC_COLOURS = { approved: "#1f4e79", actual: "#6c8ebf", vacancy: "#198754", over: "#dc3545" };
  var charts = [];

  function value(key) { return figures[key] ? figures[key][0] : 0; }
  function point(key) {
    // A data item that knows its figure: the click handler opens figures[key][1].
    return { value: value(key), figure: key };
  }
  function open(params) {
    var key = params.data && params.data.figure;
    if (!key && params.value && params.value.figure) key = params.value.figure;
    if (key && figures[key] && figures[key][1]) window.location.assign(figures[key][1]);
  }

  // The charts share the screen: on a large screen three rows of charts fill the height below the numbers.
  function chartHeight() {
    var first = document.querySelector(".board-chart");
    if (!first) return 280;
    var top = first.getBoundingClientRect().top + window.scrollY;
    // three rows of cards, each with its header and padding, the first with the type table (about 90 px)
    var room = (window.innerHeight - top - 32 - 90) / 3 - 64;
    return Math.max(200, Math.min(420, Math.floor(room)));
  }

  function make(id, option) {
    var element = document.getElementById(id);
    if (!element) return;
    element.style.height = chartHeight() + "px";
    var chart = echarts.init(element);
    option.tooltip = option.tooltip || { trigger: "item", renderMode: "richText" };
    chart.on("click", open);
    // ready once drawn, its entry animation over: a click lands on the bar where it stands
    chart.on("finished", function () {
      element.setAttribute("data-chart-ready", "1");
    });
    chart.setOption(option);
    charts.push(chart);
  }

  function bars(categories, series, horizontal) {
    var axisCat = { type: "category", data: categories, axisLabel: { interval: 0, hideOverlap: true } };
    var axisVal = { type: "value", minInterval: 1 };
    return {
      legend: { top: 0, type: "scroll" },
      grid: { left: horizontal ? 120 : 44, right: 16, bottom: 28, top: 32, containLabel: false },
      xAxis: horizontal ? axisVal : axisCat,
      yAxis: horizontal ? axisCat : axisVal,
      series: series,
    };
  }

  var metrics = ["approved", "actual", "vacancy", "over"];

  // Approved, actual, vacancy and over per staffing type
  var types = layout.types || [];
  make("chart-types", bars(types, metrics.map(function (m) {
    return {
      name: labels[m], type: "bar", itemStyle: { color: METRIC_COLOURS[m] },
      data: types.map(function (t) { return point("type." + t + "." + m); }),
    };
  })));

  // ... per sequence (district and department)
  var sequences = layout.sequences || [];
  make("chart-sequences", bars(sequences, metrics.map(function (m) {
    return {
      name: labels[m], type: "bar", itemStyle: { color: METRIC_COLOURS[m] },
      data: sequences.map(function (s) { return point("sequence." + s + "." + m); }),
    };
  })));

  // Current alerts per rule, stacked by severity
  var rules = layout.rules || [];
  var severities = layout.severities || [];
  function alertOption() {
    return bars(rules.map(function (r) { return r[1]; }), severities.map(function (s) {
      return {
        name: s, type: "bar", stack: "alerts", itemStyle: { color: SEVERITY_COLOURS[s] },
        data: rules.map(function (r) {
          var key = "alerts." + r[0] + "." + s;
          return figures[key] ? point(key) : { value: 0 };
        }),
      };
    }), true);
  }
  make("chart-alerts", alertOption());
  make("chart-alerts-seq", alertOption());

  // Heat maps: departments × staffing types
  var departments = layout.departments || [];
  function heat(metric, colour) {
    var cells = [];
    var max = 1;
    departments.forEach(function (d, y) {
      types.forEach(function (t, x) {
        var key = "dept." + d[0] + "." + t + "." + metric;
        var v = value(key);
        if (v > max) max = v;
        cells.push({ value: [x, y, v], figure: key });
      });
    });
    return {
      tooltip: { trigger: "item", renderMode: "richText" },
      grid: { left: 150, right: 16, top: 8, bottom: 56 },
      xAxis: { type: "category", data: types, splitArea: { show: true } },
      yAxis: { type: "category", data: departments.map(function (d) { return d[1]; }), inverse: true,
               axisLabel: { width: 140, overflow: "truncate" } },
      visualMap: { min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
                   itemHeight: 80, inRange: { color: ["#f8f9fa", colour] } },
      series: [{ type: "heatmap", data: cells, label: { show: true } }],
    };
  }
  make("chart-heat-vacancy", heat("vacancy", "#198754"));
  make("chart-heat-over", heat("over", "#dc3545"));

  // Alerts per stored monitoring run, by severity
  var runs = layout.runs || [];
  make("chart-runs", bars(runs.map(function (r) { return r[1]; }), severities.map(function (s) {
    return {
      name: s, type: "bar", stack: "runs", itemStyle: { color: SEVERITY_COLOURS[s] },
      data: runs.map(function (r) { return point("runs." + r[0] + "." + s); }),
    };
  })));

  // Retirements per month (per year for a reader who sees the people masked)
  var periods = layout.retirement_periods || [];
  var prefix = data.masked ? "retire.year." : "retire.month.";
  make("chart-retirements", bars(periods, [{
    name: labels.retirements, type: "bar", itemStyle: { color: "#6f42c1" },
    data: periods.map(function (p) { return point(prefix + p); }),
  }]));

  // Loans falling due per month
  var months = layout.loan_months || [];
  make("chart-loans", bars(months, [{
    name: labels.loans, type: "bar", itemStyle: { color: "#20c997" },
    data: months.map(function (m) { return point("loans.by." + m); }),
  }]));

  window.addEventListener("resize", function () {
    var h = chartHeight();
    charts.forEach(function (chart) {
      chart.getDom().style.height = h + "px";
      chart.resize();
    });
  });
})();
