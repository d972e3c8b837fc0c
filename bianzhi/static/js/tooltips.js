// Figures explain themselves on hover: every element with data-bs-toggle="tooltip" (a figure card, a
// heading of 空编/超编/在途) gets a Bootstrap tooltip from its title attribute. Kept in a static file:
// the Content-Security-Policy allows no inline script. Tables swapped in by htmx are covered too.
(function () {
  "use strict";
  function enable(root) {
    if (!window.bootstrap || !window.bootstrap.Tooltip) return;
    var found = [];
    if (root.matches && root.matches('[data-bs-toggle="tooltip"]')) found.push(root);
    if (root.querySelectorAll) found = found.concat(Array.prototype.slice.call(root.querySelectorAll('[data-bs-toggle="tooltip"]')));
    found.forEach(function (element) { window.bootstrap.Tooltip.getOrCreateInstance(element); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enable(document); });
  } else {
    enable(document);
  }
  document.addEventListener("htmx:load", function (event) { enable(event.target); });
})();
