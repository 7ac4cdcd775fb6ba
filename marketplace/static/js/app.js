// Progressive enhancement only; every page works without it.
// A submit button marked data-once is disabled after the first click (no double submissions).
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector("button[data-once]");
  if (!button) return;
  if (button.dataset.sent) { event.preventDefault(); return; }
  button.dataset.sent = "1";
  setTimeout(function () { button.disabled = true; }, 0);
});

// The project form: switching the procurement regime pre-fills that regime's weights when the
// weights are still another regime's pre-filled ones (without JavaScript the server does it on saving).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.name !== "regime" || !select.form) return;
  var box = select.form.querySelector("[data-regime-weights]");
  if (!box) return;
  var defaults = JSON.parse(box.dataset.regimeWeights);
  var target = defaults[select.value];
  if (!target) return;
  var current = {};
  Object.keys(target).forEach(function (key) {
    var input = select.form.elements[key];
    current[key] = input ? parseInt(input.value || "0", 10) : 0;
  });
  var untouched = Object.keys(defaults).some(function (name) {
    return Object.keys(target).every(function (key) { return defaults[name][key] === current[key]; });
  });
  if (!untouched) return;
  Object.keys(target).forEach(function (key) {
    var input = select.form.elements[key];
    if (input) input.value = target[key];
  });
});
