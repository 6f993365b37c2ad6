// Swagger UI's copy buttons are icons without a name (axe-core: button-name, WCAG 4.1.2): give
// each the page's translated label as Swagger UI renders it.
(function () {
  var label = document.body.dataset.copyLabel;
  function name(root) {
    root.querySelectorAll(".copy-to-clipboard button:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", label);
    });
  }
  new MutationObserver(function () { name(document); }).observe(document.body, { childList: true, subtree: true });
})();
