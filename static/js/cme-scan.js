// Door scanning for CME attendance: every scan is kept in this device's storage first, then
// sent in batches; the server stores each once (by its id), so a batch sent twice after a
// lost answer does no harm. Works offline: the queue is sent when the connection returns.
(function () {
  "use strict";
  var app = document.getElementById("scan-app");
  if (!app) { return; }
  var KEY = "cme-scan-queue";
  var texts = document.getElementById("scan-texts").dataset;
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-reference");
  var room = document.getElementById("scan-room");
  var pending = document.getElementById("scan-pending");
  var connection = document.getElementById("scan-connection");
  var last = document.getElementById("scan-last");
  var problems = document.getElementById("scan-problems");
  var sending = false;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    window.localStorage.setItem(KEY, JSON.stringify(queue));
    pending.textContent = String(queue.length);
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function direction() {
    var checked = document.querySelector("input[name='scan-direction']:checked");
    return checked ? checked.value : "in";
  }
  function reference(text) {
    // A badge QR code carries the reference; a typed one may have spaces or small letters.
    return text.trim().toUpperCase().replace(/\s+/g, "");
  }
  function showConnection(online) {
    connection.textContent = online ? texts.online : texts.offline;
  }

  function send() {
    var queue = load();
    if (sending || !queue.length) { return; }
    sending = true;
    var batch = queue.slice(0, 200);
    fetch(app.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": app.dataset.csrf },
      body: JSON.stringify({ scans: batch })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      var done = {};
      (data.results || []).forEach(function (answer) {
        done[answer.client_id] = true;
        if (answer.status === "rejected") {
          var item = document.createElement("li");
          var scan = batch.find(function (s) { return s.client_id === answer.client_id; });
          item.textContent = texts.rejected.replace("%(reference)s", scan ? scan.reference : "?");
          problems.appendChild(item);
        }
      });
      save(load().filter(function (scan) { return !done[scan.client_id]; }));
      showConnection(true);
    }).catch(function () {
      showConnection(false);
    }).then(function () {
      sending = false;
      if (load().length && navigator.onLine) { setTimeout(send, 1000); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var ref = reference(input.value);
    if (!ref) { return; }
    var queue = load();
    queue.push({
      client_id: newId(),
      reference: ref,
      room: parseInt(room.value, 10),
      scanned_at: new Date().toISOString(),
      direction: direction()
    });
    save(queue);
    last.textContent = texts.kept.replace("%(reference)s", ref);
    input.value = "";
    input.focus();
    send();
  });
  window.addEventListener("online", function () { showConnection(true); send(); });
  window.addEventListener("offline", function () { showConnection(false); });
  setInterval(send, 10000);
  save(load());
  send();
})();
