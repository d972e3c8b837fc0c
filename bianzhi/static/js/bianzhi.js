// Small behaviour shared by the pages. The Content-Security-Policy allows no inline script and no style
// attribute, so sizes that depend on data come as data attributes and are applied here (through the CSSOM,
// which the policy allows): `data-progress="42"` on a progress bar sets its width to 42 %.
(function () {
  "use strict";
  function applyProgress(root) {
    var bars = [];
    if (root.matches && root.matches("[data-progress]")) bars.push(root);
    if (root.querySelectorAll) bars = bars.concat(Array.prototype.slice.call(root.querySelectorAll("[data-progress]")));
    bars.forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0));
      bar.style.width = percent + "%";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyProgress(document); });
  } else {
    applyProgress(document);
  }
  // Content swapped in by htmx (the import progress polls every second).
  document.addEventListener("htmx:load", function (event) { applyProgress(event.target); });
})();
