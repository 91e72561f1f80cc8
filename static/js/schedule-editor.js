/* Schedule editor: drag and drop on the day grid, and the move panel opened by each session's
   "Move" link (the link itself leads to a move page without JavaScript).
   Every change is a POST: JSON with the CSRF token in the X-CSRFToken header, or the move form
   with its csrf_token field. The server answers with the re-rendered blocks of the sessions the
   change touched and the conflict list; they replace theirs here, so the page is not reloaded
   (except when the day's hours changed and the grid itself must be redrawn). A refused change
   puts the blocks back and shows its message until the organizer dismisses it. */
(function () {
  "use strict";
  var grid = document.getElementById("schedule-grid");
  if (!grid) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var pxPerMinute = parseFloat(grid.dataset.pxPerMinute);
  var firstHour = parseInt(grid.dataset.firstHour, 10);
  var lastHour = parseInt(grid.dataset.lastHour, 10);
  var day = grid.dataset.day;
  // Messages come translated from the page (data-msg-*), in the organizer's language.
  var viewQuery = grid.dataset.viewQuery || "";
  var message = document.getElementById("editor-message");
  var messageText = document.getElementById("editor-message-text");
  var status = document.getElementById("editor-status");
  var panel = document.getElementById("move-panel");

  // The sessions this page marks as in conflict: the server compares them with the marks after
  // the change and re-renders the blocks whose mark changed.
  function withFlagged(url) {
    var ids = [];
    grid.querySelectorAll(".sched-session.has-conflict").forEach(function (b) { ids.push(b.dataset.sessionId); });
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "flagged=" + ids.join(",");
  }

  function urlFor(template, id) {
    return template.replace(/\/0(\/[a-z]+)?$/, "/" + id + "$1") + (viewQuery ? "?" + viewQuery : "");
  }

  // -- messages ---------------------------------------------------------------------------
  function showError(text) {
    messageText.textContent = text;
    message.hidden = false;
    status.textContent = "";
  }
  function hideError() {
    message.hidden = true;
    messageText.textContent = "";
  }
  document.getElementById("editor-message-close").addEventListener("click", hideError);

  function refusal(data, code) {
    var error = (data && data.error) || {};
    var details = [];
    Object.keys(error.fields || {}).forEach(function (k) { details = details.concat(error.fields[k]); });
    return ((error.message || grid.dataset.msgRefused.replace("%(code)s", code)) + " " + details.join(" ")).trim();
  }

  // -- swapping in what the server rendered -------------------------------------------------
  function fromHtml(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function apply(data) {
    if (data.grid && (data.grid.first_hour !== firstHour || data.grid.last_hour !== lastHour)) {
      window.location.reload();  // the day's hours changed: the grid itself is redrawn
      return;
    }
    (data.blocks || []).forEach(function (item) {
      var old = document.getElementById("session-" + item.session_id);
      var column = item.html && grid.querySelector('.sched-room[data-room-id="' + item.room_id + '"]');
      var fresh = column ? fromHtml(item.html) : null;
      if (old && fresh && old.parentNode === column) {
        old.replaceWith(fresh);
      } else {
        if (old) { old.remove(); }
        if (fresh) { column.appendChild(fresh); }
      }
      if (fresh) {
        enhance(fresh);
        fresh.classList.add("updated");
      }
    });
    if (data.conflicts_html) {
      var conflicts = document.getElementById("conflicts");
      if (conflicts) { conflicts.replaceWith(fromHtml(data.conflicts_html)); }
    }
    if (typeof data.unscheduled === "number") {
      var count = document.getElementById("unscheduled-count");
      if (count) { count.textContent = data.unscheduled; }
    }
  }

  function send(url, options, restore) {
    grid.classList.add("busy");
    options.method = "POST";
    options.credentials = "same-origin";
    options.headers["X-CSRFToken"] = csrf;
    options.headers["Accept"] = "application/json";
    return fetch(withFlagged(url), options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        grid.classList.remove("busy");
        if (!response.ok || !data.ok) {
          if (restore) { restore(); }
          apply(data);
          showError(response.ok
            ? grid.dataset.msgStale
            : refusal(data, response.status));
          return false;
        }
        apply(data);
        status.textContent = data.message || grid.dataset.msgSaved;
        return true;
      });
    }).catch(function () {
      grid.classList.remove("busy");
      if (restore) { restore(); }
      showError(grid.dataset.msgUnreachable);
      return false;
    });
  }

  function postJson(url, body, restore) {
    return send(url, { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }, restore);
  }

  // -- grid geometry ------------------------------------------------------------------------
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

  // -- presentations: reorder, move between sessions, drop accepted abstracts in ---------------
  function putBack(evt) {
    return function () {
      evt.from.insertBefore(evt.item, evt.from.children[evt.oldIndex] || null);
    };
  }

  function sortablePresentations(list) {
    if (!window.Sortable) { return; }
    window.Sortable.create(list, {
      group: { name: "presentations", pull: true, put: true },
      animation: 120,
      forceFallback: true,
      fallbackOnBody: true,
      onEnd: function (evt) {
        var sessionId = evt.to.dataset.sessionId;
        if (!sessionId || !evt.item.dataset.presentationId) { return; }
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
        postJson(urlFor(grid.dataset.movePresentationUrl, evt.item.dataset.presentationId),
                 { session: parseInt(sessionId, 10), position: evt.newIndex }, putBack(evt));
      },
      onAdd: function (evt) {
        var abstractId = evt.item.dataset.abstractId;
        if (!abstractId) { return; }
        postJson(urlFor(grid.dataset.addUrl, evt.to.dataset.sessionId),
                 { abstract: parseInt(abstractId, 10), position: evt.newIndex }, putBack(evt));
      }
    });
  }

  if (window.Sortable) {
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

  // -- sessions: move by the header, resize by the lower edge (pointer events) ----------------
  function draggable(block) {
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
        postJson(urlFor(grid.dataset.moveUrl, block.dataset.sessionId), body, function () {
          block.style.top = startTop + "px";
          block.style.height = startHeight + "px";
        });
      }
      document.addEventListener("pointermove", onMove);
      document.addEventListener("pointerup", onUp);
    }
    head.addEventListener("pointerdown", function (e) { drag("move", e); });
    handle.addEventListener("pointerdown", function (e) { drag("resize", e); });
  }

  // -- the move panel (keyboard path): the block's "Move" link opens it ----------------------
  var lastLink = null;
  var roomSelect = document.getElementById("move-room");
  var startsInput = document.getElementById("move-starts");
  var endsInput = document.getElementById("move-ends");

  function openPanel(block, link) {
    lastLink = link;
    panel.action = link.href;  // its query string is the view the answer is drawn for
    panel.dataset.sessionId = block.dataset.sessionId;
    document.getElementById("move-panel-session").textContent = block.dataset.title;
    roomSelect.value = block.dataset.roomId;
    startsInput.value = block.dataset.start;
    endsInput.value = "";
    endsInput.title = grid.dataset.msgEnds.replace("%(time)s", block.dataset.end.slice(11));
    panel.hidden = false;
    roomSelect.focus();
  }

  function closePanel(focusId) {
    panel.hidden = true;
    var link = focusId && document.querySelector("#session-" + focusId + " .sched-move");
    (link || lastLink || grid).focus();
  }

  panel.addEventListener("submit", function (e) {
    e.preventDefault();
    var sessionId = panel.dataset.sessionId;
    send(panel.action, { headers: {}, body: new FormData(panel) }).then(function (ok) {
      if (ok) { closePanel(sessionId); }
    });
  });
  document.getElementById("move-cancel").addEventListener("click", function () { closePanel(); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { closePanel(); }
  });

  function enhance(block) {
    draggable(block);
    sortablePresentations(block.querySelector(".sched-presentations"));
    var link = block.querySelector(".sched-move");
    link.addEventListener("click", function (e) {
      e.preventDefault();
      openPanel(block, link);
    });
  }

  grid.querySelectorAll(".sched-session").forEach(enhance);
})();
