// A table wider than the screen scrolls inside its box (gongyue.css); it must then be reachable
// by keyboard to be scrolled without a mouse (WCAG 2.1.1), so it joins the tab order.
(function () {
  function reachable() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth) {
        table.tabIndex = 0;
      } else if (table.tabIndex === 0) {
        table.removeAttribute("tabindex");
      }
    });
  }
  window.addEventListener("DOMContentLoaded", reachable);
  window.addEventListener("resize", reachable);
})();

// A box that ticks every box of a form on the page (`data-choose-all="<form id>"`): shown only
// where this runs, since without it the box would do nothing.
(function () {
  window.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-choose-all]").forEach(function (all) {
      var boxes = function () {
        return document.querySelectorAll(
          'input[type="checkbox"][form="' + all.dataset.chooseAll + '"]'
        );
      };
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  });
})();
