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
})();
