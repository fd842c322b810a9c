// Renders every chart on the page: each [data-chart] element has its Vega-Lite spec in the
// <script type="application/json" id="chart-NAME"> next to it (built server-side, the same
// spec the page's JSON twin carries).
(function () {
  "use strict";

  function render(element) {
    var name = element.getAttribute("data-chart");
    var source = document.getElementById("chart-" + name);
    if (!source || typeof window.vegaEmbed !== "function") return;
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(element, spec, { actions: false, renderer: "svg" }).then(function () {
      element.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      element.textContent = "This chart could not be drawn: " + error.message;
    });
  }

  function renderAll() {
    document.querySelectorAll("[data-chart]").forEach(render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
