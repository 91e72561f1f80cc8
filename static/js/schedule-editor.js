/* Schedule editor: drag and drop on the day grid. Every change is a JSON POST with the CSRF
   token in the X-CSRFToken header; the page then reloads to show the new conflicts. */
(function () {
  "use strict";
  var grid = document.getElementById("schedule-grid");
  if (!grid) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var pxPerMinute = parseFloat(grid.dataset.pxPerMinute);
  var firstHour = parseInt(grid.dataset.firstHour, 10);
  var day = grid.dataset.day;
  var message = document.getElementById("editor-message");

  function urlFor(template, id) { return template.replace(/0(\/[a-z]+)?$/, id + "$1"); }

  function showError(text) {
    message.textContent = text;
    message.classList.remove("d-none");
  }

  function post(url, body) {
    grid.classList.add("busy");
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || {};
          var details = [];
          Object.keys(error.fields || {}).forEach(function (k) { details = details.concat(error.fields[k]); });
          showError((error.message || "The change was refused.") + " " + details.join(" "));
          window.setTimeout(function () { window.location.reload(); }, 1500);
          return;
        }
        window.location.reload();
      });
    }).catch(function () { showError("The server could not be reached; nothing was saved."); });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localTime(minutesFromFirstHour) {
    var total = firstHour * 60 + minutesFromFirstHour;
    var dayOffset = Math.floor(total / 1440);
    total = total - dayOffset * 1440;
    var d = new Date(day + "T00:00:00");
    d.setDate(d.getDate() + dayOffset);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(Math.floor(total / 60)) + ":" + pad(total % 60);
  }
  function snap(px) { return Math.round(px / pxPerMinute / 5) * 5; }

  // Presentations: reorder, move between sessions, and drop accepted abstracts into sessions.
  if (window.Sortable) {
    document.querySelectorAll(".sched-presentations").forEach(function (list) {
      window.Sortable.create(list, {
        group: { name: "presentations", pull: true, put: true },
        animation: 120,
        forceFallback: true,
        fallbackOnBody: true,
        onEnd: function (evt) {
          var sessionId = evt.to.dataset.sessionId;
          if (!sessionId) { return; }
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
          post(urlFor(grid.dataset.movePresentationUrl, evt.item.dataset.presentationId),
               { session: parseInt(sessionId, 10), position: evt.newIndex });
        },
        onAdd: function (evt) {
          var abstractId = evt.item.dataset.abstractId;
          if (!abstractId) { return; }
          post(urlFor(grid.dataset.addUrl, evt.to.dataset.sessionId),
               { abstract: parseInt(abstractId, 10), position: evt.newIndex });
        }
      });
    });
    document.querySelectorAll(".sched-unscheduled").forEach(function (list) {
      window.Sortable.create(list, {
        group: { name: "presentations", pull: true, put: false },
        sort: false,
        forceFallback: true,
        fallbackOnBody: true,
        filter: "select, button, option",
        preventOnFilter: false
      });
    });
  }

  // Double-click an empty slot to create a session there (the form opens prefilled).
  grid.querySelectorAll(".sched-room").forEach(function (column) {
    column.addEventListener("dblclick", function (e) {
      if (e.target !== column) { return; }
      var minutes = snap(e.clientY - column.getBoundingClientRect().top);
      var hour = firstHour + Math.floor(minutes / 60);
      window.location.href = grid.dataset.newUrl + "?day=" + day + "&hour=" + hour +
        "&room=" + column.dataset.roomId;
    });
  });

  // Sessions: move by the header, resize by the lower edge (pointer events).
  grid.querySelectorAll(".sched-session").forEach(function (block) {
    var head = block.querySelector(".sched-session-head");
    var handle = block.querySelector(".sched-resize");
    function drag(mode, startEvent) {
      if (startEvent.target.closest("a") && mode === "move") { return; }
      startEvent.preventDefault();
      var startY = startEvent.clientY;
      var startTop = block.offsetTop;
      var startHeight = block.offsetHeight;
      var moved = false;
      block.classList.add("dragging");
      function onMove(e) {
        var dy = e.clientY - startY;
        if (Math.abs(dy) > 3 || Math.abs(e.clientX - startEvent.clientX) > 3) { moved = true; }
        if (mode === "move") {
          block.style.top = Math.max(0, startTop + dy) + "px";
          block.style.transform = "translateX(" + (e.clientX - startEvent.clientX) + "px)";
        } else {
          block.style.height = Math.max(10 * pxPerMinute, startHeight + dy) + "px";
        }
      }
      function onUp(e) {
        document.removeEventListener("pointermove", onMove);
        document.removeEventListener("pointerup", onUp);
        block.classList.remove("dragging");
        block.style.transform = "";
        if (!moved) { return; }
        var body = {};
        if (mode === "move") {
          block.style.visibility = "hidden";
          var target = document.elementFromPoint(e.clientX, e.clientY);
          block.style.visibility = "";
          var column = target && target.closest(".sched-room");
          var roomId = column ? column.dataset.roomId : block.dataset.roomId;
          body.room = parseInt(roomId, 10);
          body.starts_at = localTime(snap(Math.max(0, startTop + e.clientY - startY)));
        } else {
          body.ends_at = localTime(snap(block.offsetTop + block.offsetHeight));
        }
        post(urlFor(grid.dataset.moveUrl, block.dataset.sessionId), body);
      }
      document.addEventListener("pointermove", onMove);
      document.addEventListener("pointerup", onUp);
    }
    head.addEventListener("pointerdown", function (e) { drag("move", e); });
    handle.addEventListener("pointerdown", function (e) { drag("resize", e); });
  });
})();
