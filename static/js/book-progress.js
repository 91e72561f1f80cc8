// The publish page follows the program book's build: while it is queued or being built, the
// status is fetched every few seconds and shown; once it is ready or failed the page reloads
// (download link, error and retry button). Without JavaScript a reload shows the same.
(function () {
  "use strict";
  var section = document.getElementById("program-book");
  if (!section || !window.fetch) { return; }
  var waiting = ["queued", "building"];
  if (waiting.indexOf(section.getAttribute("data-status")) < 0) { return; }
  var message = document.getElementById("book-message");
  function poll() {
    fetch(section.getAttribute("data-status-url"), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        var book = body && body.book;
        if (!book) { return; }
        if (waiting.indexOf(book.status) < 0) { window.location.reload(); return; }
        message.textContent = book.message;
        var bar = document.querySelector("#book-progress .progress-bar");
        if (bar && book.total) {
          bar.style.width = Math.round(100 * book.done / book.total) + "%";
          // The words come translated from the page: "%(done)s of %(total)s sessions".
          bar.textContent = (section.getAttribute("data-progress-text") || "%(done)s / %(total)s")
            .replace("%(done)s", book.done).replace("%(total)s", book.total);
        }
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 3000);
})();
