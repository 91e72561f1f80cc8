// Check-in desk: scan a QR code (html5-qrcode) to submit the form; refresh the live counts.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var input = form ? form.querySelector("input[name='query']") : null;
  var button = document.getElementById("start-camera");
  var counts = document.getElementById("checkin-counts");
  var scanner = null;

  // Messages come translated from the page (data-msg-* on the camera button), in the desk's
  // language; the scanner runs without the library's own (English-only) interface.
  var status = document.getElementById("camera-status");
  function say(name) {
    if (status && button) { status.textContent = button.getAttribute("data-msg-" + name) || ""; }
  }
  if (button && window.Html5Qrcode) {
    button.addEventListener("click", function () {
      if (scanner) {
        scanner.stop().then(function () { scanner = null; say("stopped"); });
        button.textContent = button.getAttribute("data-msg-start");
        return;
      }
      scanner = new window.Html5Qrcode("qr-reader");
      say("starting");
      scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 250 }, function (text) {
        if (!input || !text) { return; }
        scanner.stop();
        say("found");
        input.value = text.trim();
        form.submit();
      }, function () { /* no code in this frame */ }).then(function () {
        say("scanning");
        button.textContent = button.getAttribute("data-msg-stop");
      }).catch(function () {
        scanner = null;
        say("unavailable");
      });
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
        counts.removeAttribute("title");
      })
      .catch(function () {
        // Offline: keep the last counts and say that they may be behind.
        counts.setAttribute("title", counts.getAttribute("data-msg-offline") || "");
      });
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
