// prodloop's few behaviours on top of server-rendered pages and HTMX. Every page works
// without this file; it only makes filtering, sorting and confirming smoother.
(function () {
  "use strict";

  // Shareable URLs: leave empty filter fields out of GET requests (and so the pushed URL).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var data = event.detail.formData;
    var keys = Array.from(new Set(Array.from(data.keys())));
    keys.forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;

    // Sorting the ledger goes through its filter form, so the sort survives later filtering.
    var sortLink = target.closest("[data-sort]");
    var ledger = document.getElementById("ledger-filters");
    var sortField = ledger && ledger.querySelector("input[name=sort]");
    if (sortLink && sortField) {
      event.preventDefault();
      sortField.value = sortLink.getAttribute("data-sort");
      ledger.requestSubmit();
      return;
    }

    // "Edit" / "Add" buttons open their panel in place instead of navigating.
    var opener = target.closest("[data-open]");
    if (opener) {
      var panel = document.getElementById(opener.getAttribute("data-open"));
      if (panel && panel.tagName === "DETAILS") {
        event.preventDefault();
        panel.open = true;
        panel.scrollIntoView({ behavior: "smooth", block: "start" });
        var first = panel.querySelector("input:not([type=hidden]), textarea, select");
        if (first) first.focus({ preventScroll: true });
      }
      return;
    }

    if (target.closest("[data-dismiss]")) {
      var flash = target.closest(".flash");
      if (flash) flash.remove();
      return;
    }

    if (target.closest("[data-back]")) {
      event.preventDefault();
      if (history.length > 1) history.back(); else location.href = "/";
    }
  });

  // Destructive forms ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    }
  }, true);

  // Simple filter forms apply as soon as a choice changes (searches on Enter or leaving the box).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLElement)) return;
    var form = field.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });
})();
