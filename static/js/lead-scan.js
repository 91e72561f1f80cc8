// Booth scanner: the camera (html5-qrcode) fills the reference and sends it. Scans are sent
// with fetch; when the venue Wi-Fi drops they wait in localStorage and are sent again (each
// has its own scan id, so a scan sent twice is recorded once).
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) { return; }
  var input = form.querySelector("input[name='reference']");
  var scanId = form.querySelector("input[name='scan_id']");
  var token = form.querySelector("input[name='csrf_token']");
  var note = document.getElementById("offline-queue");
  var button = document.getElementById("start-camera");
  var key = "lead-scan-queue:" + form.action;
  var scanner = null;

  function queue() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(items) {
    localStorage.setItem(key, JSON.stringify(items));
    if (note) {
      note.hidden = items.length === 0;
      note.textContent = (note.dataset.text || "").replace("{count}", items.length);
    }
  }
  function newId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function send(item) {
    var body = new URLSearchParams();
    body.set("reference", item.reference);
    body.set("scan_id", item.scan_id);
    if (token) { body.set("csrf_token", token.value); }
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    });
  }
  function flush() {
    var items = queue();
    if (!items.length || !navigator.onLine) { save(items); return; }
    var item = items[0];
    send(item).then(function (response) {
      if (response.status < 500) { save(queue().slice(1)); flush(); }
    }).catch(function () { save(items); });
  }
  // Offline, a scan is kept for later instead of failing on submit.
  form.addEventListener("submit", function (event) {
    if (navigator.onLine) { return; }
    event.preventDefault();
    var items = queue();
    items.push({ reference: input.value.trim(), scan_id: scanId.value });
    save(items);
    input.value = "";
    scanId.value = newId();
    input.focus();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  save(queue());
  flush();

  // Messages come translated from the page (data-msg-* on the camera button), in the staff
  // member's language; the scanner runs without the library's own (English-only) interface.
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
      scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, function (text) {
        if (!text) { return; }
        scanner.stop().then(function () {
          scanner = null;
          button.textContent = button.getAttribute("data-msg-start");
        });
        say("found");
        input.value = text.trim();
        form.requestSubmit();
      }, function () { /* no code in this frame */ }).then(function () {
        say("scanning");
        button.textContent = button.getAttribute("data-msg-stop");
      }).catch(function () {
        scanner = null;
        say("unavailable");
      });
    });
  }
})();
