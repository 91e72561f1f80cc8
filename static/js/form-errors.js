// After a form comes back with errors, focus its first invalid field: a screen reader then
// reads the field's label and its error (aria-describedby), and keyboard users start there.
(function () {
  "use strict";
  function focusFirstError() {
    var field = document.querySelector("main form [aria-invalid='true'], main form .is-invalid");
    if (field && typeof field.focus === "function") {
      field.focus();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
