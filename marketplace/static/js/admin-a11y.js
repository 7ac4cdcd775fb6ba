// The console's widgets get accessible names: Flask-Admin's icon links and row checkboxes carry only
// a title, and select2 draws links without a name. Static file (the CSP allows no inline script).
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  function labelOf(id) {
    var label = id && document.querySelector('label[for="' + id + '"]');
    return label ? label.textContent.trim() : "";
  }
  function name() {
    // Flask-Admin's message close buttons are focusable yet aria-hidden
    document.querySelectorAll("button.close[aria-hidden]").forEach(function (button) {
      button.removeAttribute("aria-hidden");
      button.setAttribute("aria-label", zh ? "关闭" : "Close");
    });
    // (Bootstrap's tooltips move the title to data-original-title)
    document.querySelectorAll("a[title]:not([aria-label]), a[data-original-title]:not([aria-label]), " +
                              "input[title]:not([aria-label])").forEach(function (el) {
      var title = el.getAttribute("title") || el.getAttribute("data-original-title");
      if (title && !el.textContent.trim()) { el.setAttribute("aria-label", title); }
    });
    document.querySelectorAll(".select2-container[id^='s2id_']").forEach(function (box) {
      var label = labelOf(box.id.slice(5));
      box.querySelectorAll("a.select2-choice:not([aria-label])").forEach(function (a) {
        a.setAttribute("aria-label", label || (zh ? "选择" : "Choose"));
      });
      box.querySelectorAll("a.select2-search-choice-close:not([aria-label])").forEach(function (a) {
        var item = a.parentNode ? a.parentNode.textContent.trim() : "";
        a.setAttribute("aria-label", (zh ? "移除 " : "Remove ") + item);
      });
      box.querySelectorAll("input:not([aria-label])").forEach(function (input) {
        input.setAttribute("aria-label", label || (zh ? "搜索" : "Search"));
      });
    });
  }
  // at once, and again whenever select2 or a tooltip changes the page (observer callbacks run as
  // microtasks, before anything else reads the page)
  name();
  document.addEventListener("DOMContentLoaded", name);
  window.addEventListener("load", name);
  new MutationObserver(name).observe(document.body, { childList: true, subtree: true, attributes: true,
                                                      attributeFilter: ["title", "data-original-title"] });
}());
