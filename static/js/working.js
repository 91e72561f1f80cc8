// Long organizer actions (assignment run, release, publish, import) say they are working:
// on submit, a button marked data-working is disabled and reads "Working…" (or the value of
// data-working), so nobody clicks twice or leaves thinking nothing happened.
// Progressive enhancement: without JavaScript the form posts just the same.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || form.querySelector("[type=submit], button:not([type])");
    if (!button || !button.hasAttribute("data-working") || event.defaultPrevented) { return; }
    // A disabled button does not send its own name and value: carry them in a hidden field.
    if (button.name) {
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = button.name;
      carried.value = button.value;
      form.appendChild(carried);
    }
    var text = button.getAttribute("data-working") || "Working…";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (button.tagName === "INPUT") { button.value = text; } else { button.textContent = text; }
  });
})();
