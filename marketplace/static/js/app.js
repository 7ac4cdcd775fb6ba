// Progressive enhancement only; every page works without it.
// A submit button marked data-once is disabled after the first click (no double submissions).
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("button[data-once]");
  if (!button) return;
  if (button.dataset.sent) { event.preventDefault(); return; }
  button.dataset.sent = "1";
  setTimeout(function () { button.disabled = true; }, 0);
});
