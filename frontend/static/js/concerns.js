/* Progressive enhancement of the situation picture: plotly charts and the hotspot map.
   Every chart and the map repeat numbers that are already in a table on the page; without JavaScript the
   tables are the whole page. Data comes from <script type="application/json"> blocks (not executed). */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function drawCharts() {
    if (!window.Plotly) { return; }
    document.body.classList.add("js-charts");
    document.querySelectorAll(".chart-canvas").forEach(function (el) {
      var fig = readJson(el.id + "-data");
      if (!fig) { return; }
      el.closest("figure").hidden = false;
      var layout = fig.layout || {};
      layout.autosize = true;
      window.Plotly.newPlot(el, fig.data, layout, {displayModeBar: false, responsive: true, staticPlot: false});
    });
  }

  var SVG = "http://www.w3.org/2000/svg";

  function svgEl(name, attrs) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { el.setAttribute(key, attrs[key]); });
    return el;
  }

  function drawMap() {
    var target = document.getElementById("hotspot-map");
    var data = readJson("hotspot-map-data");
    if (!target || !data) { return; }
    var svg = svgEl("svg", {viewBox: "0 0 " + data.width + " " + data.height, focusable: "false",
                            "aria-hidden": "true"});
    data.areas.forEach(function (area) {
      var path = svgEl("path", {d: area.d, "class": "map-area", "fill-rule": "evenodd"});
      var title = svgEl("title", {});
      title.textContent = area.name;
      path.appendChild(title);
      svg.appendChild(path);
    });
    data.points.forEach(function (point) {
      var circle = svgEl("circle", {cx: point.x, cy: point.y, r: point.r, "class": "map-point"});
      var title = svgEl("title", {});
      title.textContent = point.label + ": " + point.count;
      circle.appendChild(title);
      svg.appendChild(circle);
    });
    target.appendChild(svg);
    target.closest("figure").hidden = false;
  }

  function start() {
    drawMap();
    drawCharts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
