// The console's "with selected" actions (user list: end sessions, reset two-factor), bound here
// instead of inline onclick attributes, which the Content-Security-Policy refuses.
document.addEventListener("click", function (event) {
  var item = event.target.closest("[data-model-action]");
  if (!item || typeof modelActions === "undefined") return;
  event.preventDefault();
  modelActions.execute(item.getAttribute("data-model-action"));
});
