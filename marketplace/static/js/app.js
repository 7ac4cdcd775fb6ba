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

// The header on a phone: the menu (navigation and account) folds behind one button. Without
// JavaScript everything stays shown, as on a desktop.
(function () {
  var button = document.querySelector(".menu-toggle");
  if (!button) return;
  document.documentElement.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    document.documentElement.classList.toggle("menu-open", open);
  });
})();

// The residents' survey: one question at a time; choosing an answer moves on to the next, and the
// send button appears once every question is answered. Without JavaScript all questions show at once.
(function () {
  var form = document.querySelector("form[data-one-by-one]");
  if (!form) return;
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  if (!questions.length) return;
  form.classList.add("one-by-one");
  function answered(q) { return !!q.querySelector("input:checked"); }
  function show(i) {
    questions.forEach(function (q, j) { q.classList.toggle("active", j === i); });
    var back = questions[i].querySelector(".question-nav");
    if (back) back.hidden = i === 0;
    form.classList.toggle("answered-all", questions.every(answered));
    var legend = questions[i].querySelector("legend");
    if (legend) { legend.setAttribute("tabindex", "-1"); legend.focus({preventScroll: true}); }
    window.scrollTo(0, 0);
  }
  var first = questions.findIndex(function (q) { return !answered(q); });
  show(first === -1 ? questions.length - 1 : first);
  form.addEventListener("change", function (event) {
    var i = questions.indexOf(event.target.closest("fieldset.question"));
    form.classList.toggle("answered-all", questions.every(answered));
    if (i > -1 && i < questions.length - 1) setTimeout(function () { show(i + 1); }, 250);
  });
  form.addEventListener("click", function (event) {
    if (!event.target.matches("[data-back]")) return;
    var i = questions.indexOf(event.target.closest("fieldset.question"));
    if (i > 0) show(i - 1);
  });
})();
