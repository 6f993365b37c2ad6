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
