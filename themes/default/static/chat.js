// shiji chat: one live stream per page for the signed-in account. New messages
// appear in the open conversation or thread; elsewhere they raise the unread
// badge in the header. Without JavaScript every form still works by reloading.
(function () {
  "use strict";
  var me = document.querySelector('meta[name="shiji-account"]');
  if (!me || !window.EventSource) return;
  var chat = document.querySelector("[data-chat]");
  var thread = document.querySelector("[data-thread-url]");
  var openID = chat ? chat.getAttribute("data-chat") : (thread ? thread.getAttribute("data-thread") : "");
  var url = "/api/v1/stream" + (openID ? "?watch=" + encodeURIComponent(openID) : "");
  var list = (chat || thread) ? (chat || thread).querySelector("ul.messages") : null;
  var badge = document.querySelector("[data-unread]");
  var es = new EventSource(url);
  window.shijiStream = es; // for tests and the curious
  // Browsers allow only a few connections per host: give this one back as
  // soon as the page goes away.
  window.addEventListener("pagehide", function () { es.close(); });
  function here(d) {
    if (!list) return false;
    if (chat) return String(d.conversation) === openID;
    var u = thread.getAttribute("data-thread-url");
    return d.url === u + "#thread" || d.url === u;
  }
  es.addEventListener("message", function (e) {
    var d;
    try { d = JSON.parse(e.data); } catch (err) { return; }
    if (here(d)) {
      if (document.getElementById("m" + d.id)) return;
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      var li = document.createElement("li");
      li.className = "msg fresh" + (d.from_stall ? " from-stall" : "");
      li.id = "m" + d.id;
      li.setAttribute("data-id", d.id);
      var who = document.createElement("p");
      who.className = "who";
      var strong = document.createElement("strong");
      strong.textContent = d.author_shown || ("@" + d.author);
      who.appendChild(strong);
      li.appendChild(who);
      var body = document.createElement("div");
      body.className = "body";
      body.innerHTML = d.body_html; // sanitised by the server's one Markdown renderer
      li.appendChild(body);
      // In the order written: a message from another market may arrive
      // after newer ones (the page lists them the same way).
      var at = Date.parse(d.created_at);
      li.setAttribute("data-at", String(at));
      var next = null;
      list.querySelectorAll("li[data-at]").forEach(function (x) {
        if (!next && Number(x.getAttribute("data-at")) > at) next = x;
      });
      list.insertBefore(li, next);
      if (thread && !thread.getAttribute("data-thread")) thread.setAttribute("data-thread", d.conversation);
    } else if (badge && d.author !== me.getAttribute("content")) {
      badge.textContent = String((Number(badge.textContent) || 0) + 1);
      badge.hidden = false;
    }
  });
})();
