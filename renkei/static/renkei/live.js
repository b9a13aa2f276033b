// The page's live connection: reconnects with back-off, and leaves the page when the session
// has ended elsewhere (signed out, deregistered, lost device).
(function () {
  "use strict";
  var path = document.body.getAttribute("data-live");
  if (!path || !("WebSocket" in window)) { return; }
  var delay = 1000;
  var handlers = [];
  var socket = null;
  window.renkeiLive = {
    on: function (fn) { handlers.push(fn); },
    // A page script's message to the server (e.g. catch_up after "hello"); dropped while
    // disconnected: the next "hello" is the moment to ask again.
    send: function (message) {
      if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); }
    }
  };
  // The navigation's badge: the member's unread notifications, on every page.
  window.renkeiLive.on(function (event) {
    if (event.type !== "notification") { return; }
    var n = parseInt(event.unread, 10) || 0;
    document.querySelectorAll("[data-unread-notifications]").forEach(function (badge) {
      badge.textContent = n > 0 ? String(n) : "";
      badge.hidden = n <= 0;
    });
  });
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + path);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "session_ended") { location.href = "/signin/"; return; }
      handlers.forEach(function (fn) { fn(event); });
    };
    socket.onclose = function (closed) {
      if (closed.code === 4401) { location.href = "/signin/"; return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
