// Check-in desk: scan a QR code (html5-qrcode) to submit the form; refresh the live counts.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var input = form ? form.querySelector("input[name='query']") : null;
  var button = document.getElementById("start-camera");
  var counts = document.getElementById("checkin-counts");
  var scanner = null;

  if (button && window.Html5QrcodeScanner) {
    button.addEventListener("click", function () {
      if (scanner) { return; }
      scanner = new window.Html5QrcodeScanner("qr-reader", { fps: 10, qrbox: 250 }, false);
      scanner.render(function (text) {
        if (!input || !text) { return; }
        scanner.clear();
        input.value = text.trim();
        form.submit();
      }, function () { /* no code in this frame */ });
      button.disabled = true;
    });
  }

  function refresh() {
    if (!counts) { return; }
    fetch(counts.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        document.getElementById("count-checked-in").textContent = data.checked_in;
        document.getElementById("count-confirmed").textContent = data.confirmed;
      })
      .catch(function () { /* offline: keep the last counts */ });
  }
  setInterval(refresh, 5000);

  // A USB barcode scanner is a keyboard: whatever was tapped last, its next code must land in
  // the lookup field. Keys typed outside any field go there; so does focus after printing.
  function focusLookup() {
    if (input) { input.focus(); input.select(); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) { return; }
    focusLookup();
  });
  var printBadge = document.getElementById("desk-print-badge");
  if (printBadge) {
    printBadge.addEventListener("click", function () { setTimeout(focusLookup, 0); });
  }
  window.addEventListener("focus", function () {
    var active = document.activeElement;
    if (!active || active === document.body || active === printBadge) { focusLookup(); }
  });
})();
