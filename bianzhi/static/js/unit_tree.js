// The unit tree (/units/): a row's expand button fetches its children once through htmx (the
// "bz-expand" event its hx-trigger waits for) and afterwards folds and unfolds them. A row is shown
// when its parent row (data-parent = the parent's data-path) is shown and expanded; the rows of a
// unit's 内设机构 hang under a group row of their own.
(function () {
  "use strict";
  function refresh(body) {
    var open = {};
    Array.prototype.forEach.call(body.querySelectorAll("tr[data-path]"), function (row) {
      var parent = row.getAttribute("data-parent");
      var shown = parent === null || open[parent] === true;
      row.hidden = !shown;
      var toggle = row.querySelector(".tree-toggle");
      open[row.getAttribute("data-path")] = shown && toggle !== null && toggle.getAttribute("aria-expanded") === "true";
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest(".tree-toggle") : null;
    if (!toggle) return;
    event.preventDefault();
    var body = toggle.closest("tbody");
    var expanded = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", expanded ? "false" : "true");
    var icon = toggle.querySelector(".bi");
    if (icon) {
      icon.classList.toggle("bi-caret-right-fill", expanded);
      icon.classList.toggle("bi-caret-down-fill", !expanded);
    }
    if (!expanded && !toggle.hasAttribute("data-local") && !toggle.hasAttribute("data-loaded")) {
      toggle.setAttribute("data-loaded", "1");
      window.htmx.trigger(toggle, "bz-expand");
      return;
    }
    if (body) refresh(body);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var body = event.target.closest ? event.target.closest("tbody.unit-tree") : null;
    Array.prototype.forEach.call(
      body ? [body] : document.querySelectorAll("tbody.unit-tree"),
      refresh
    );
  });
})();
