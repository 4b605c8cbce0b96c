/**
 * The page's own script: draws the charts from the embedded JSON with uPlot. Plain ES2017 in a string
 * (no template literals inside), because it is inlined as is and runs in the browser, not in Node.
 * Every number it draws is also in the page's tables, so a browser without JavaScript loses nothing.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  root.classList.remove('no-js');
  root.classList.add('js');
  var source = document.getElementById('mc-chart-data');
  var data = JSON.parse(source.textContent);
  var charts = [];
  var HEIGHT = 220;

  function widthOf(el) {
    return Math.max(320, Math.floor(el.getBoundingClientRect().width));
  }

  function format(chart, value) {
    if (value === null || value === undefined) return '-';
    return value.toFixed(chart.kind === 'loss' ? 0 : 1) + ' ' + chart.unit;
  }

  function range(chart) {
    return function (u, min, max) {
      var top = max === null || max === undefined ? 0 : max;
      if (chart.kind === 'loss') return [0, Math.min(100, Math.max(10, Math.ceil(top * 1.15)))];
      return [0, Math.max(1, top * 1.15)];
    };
  }

  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    if (!el) return;
    var series = [{label: 'time'}].concat(chart.series.map(function (s) {
      return {
        label: s.vantage,
        stroke: s.color,
        width: 2,
        spanGaps: true,
        points: {show: chart.x.length <= 60, size: 5},
        value: function (u, v) { return format(chart, v); }
      };
    }));
    var options = {
      width: widthOf(el),
      height: HEIGHT,
      scales: {x: {time: true}, y: {range: range(chart)}},
      axes: [{space: 80}, {size: 64, values: function (u, values) { return values.map(function (v) { return v + ' ' + chart.unit; }); }}],
      series: series
    };
    var plot = new uPlot(options, [chart.x].concat(chart.series.map(function (s) { return s.values; })), el);
    el.setAttribute('data-series', String(plot.series.length - 1));
    charts.push({plot: plot, el: el});
  });

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      charts.forEach(function (c) { c.plot.setSize({width: widthOf(c.el), height: HEIGHT}); });
    });
  });
  window.mcReport = {charts: charts.map(function (c) { return c.plot; })};
})();
`
