// The insight editor's small behaviours: event lists grow a fresh row as the last one is
// filled, and "New dashboard…" reveals its name field. The form works without this file.
(function () {
  "use strict";

  function renumber(list) {
    list.querySelectorAll(".step-number").forEach(function (number, index) {
      number.textContent = String(index + 1);
    });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) return;
    var list = input.closest("[data-steps]");
    if (!list) return;
    var rows = list.querySelectorAll(".step-row");
    var last = rows[rows.length - 1];
    if (input.closest(".step-row") === last && input.value.trim() !== "") {
      var fresh = last.cloneNode(true);
      var field = fresh.querySelector("input");
      field.value = "";
      field.removeAttribute("id");
      list.appendChild(fresh);
      renumber(list);
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-new-dashboard")) return;
    var named = select.form && select.form.querySelector("[data-new-dashboard-name]");
    if (named) named.hidden = select.value !== "new";
  });
})();
