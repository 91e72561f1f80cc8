// Forms marked data-submit-once are sent once: a double click does not post twice.
// (The server is idempotent anyway; this spares the second round trip.)
(function () {
  "use strict";
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
