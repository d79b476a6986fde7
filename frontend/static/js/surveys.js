/* Survey place questions: progressive enhancement. Without JavaScript residents pick a place from the list;
   with it they may also tap a point on a map drawn from the municipality's own area polygons (no tile server,
   so no request to another host). The point goes into the question's hidden lat/lon fields. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function setup(box) {
    var form = box.closest("form");
    var lat = form.querySelector('input[name="' + box.dataset.lat + '"]');
    var lon = form.querySelector('input[name="' + box.dataset.lon + '"]');
    if (!lat || !lon || !box.dataset.box) { return; }
    var b = box.dataset.box.split(",").map(Number);
    var pad = Math.max(b[2] - b[0], b[3] - b[1]) * 0.05;
    var k = Math.cos((b[1] + b[3]) / 2 * Math.PI / 180);  // shrink longitudes so shapes keep their proportions
    var x0 = (b[0] - pad) * k, y0 = -(b[3] + pad), w = (b[2] - b[0] + 2 * pad) * k, h = b[3] - b[1] + 2 * pad;
    var svg = el("svg", { viewBox: [x0, y0, w, h].join(" "), role: "img", "aria-label": box.dataset.label,
                          preserveAspectRatio: "xMidYMid meet", dir: "ltr" });
    var polygons = [];
    try { polygons = JSON.parse(box.dataset.polygons || "[]"); } catch (e) { polygons = []; }
    polygons.forEach(function (ring) {
      svg.appendChild(el("polygon", { points: ring.map(function (p) { return (p[0] * k) + "," + (-p[1]); }).join(" ") }));
    });
    var dot = el("circle", { r: Math.max(w, h) / 60, cx: 0, cy: 0, visibility: "hidden" });
    svg.appendChild(dot);
    var status = document.createElement("p");
    status.className = "map-status";
    status.setAttribute("aria-live", "polite");
    function show() {
      if (lat.value && lon.value) {
        dot.setAttribute("cx", Number(lon.value) * k);
        dot.setAttribute("cy", -Number(lat.value));
        dot.setAttribute("visibility", "visible");
        status.textContent = Number(lat.value).toFixed(5) + ", " + Number(lon.value).toFixed(5);
      } else {
        dot.setAttribute("visibility", "hidden");
        status.textContent = box.dataset.cleared;
      }
    }
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      lon.value = (local.x / k).toFixed(6);
      lat.value = (-local.y).toFixed(6);
      show();
    });
    box.appendChild(svg);
    box.appendChild(status);
    show();
  }

  document.querySelectorAll(".place-map").forEach(setup);
})();
