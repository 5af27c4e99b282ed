// shiji live ambience: people wandering now, stalls opening, questions asked.
// Server-Sent Events, no polling; without JavaScript the page shows the
// numbers as they were when it was served.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-ambience]");
  if (!box || !window.EventSource) return;
  var wanderers = box.querySelector('[data-live="wanderers"]');
  var open = box.querySelector('[data-live="open"]');
  var feed = box.querySelector('[data-live="feed"]');
  var es = new EventSource("/live/ambience");
  // Browsers allow only a few connections per host: give this one back as
  // soon as the page goes away.
  window.addEventListener("pagehide", function () { es.close(); });
  function data(e) {
    try { return JSON.parse(e.data); } catch (err) { return null; }
  }
  function prepend(text, href) {
    if (!feed) return;
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.textContent = text;
    a.href = href;
    li.appendChild(a);
    li.className = "fresh";
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 8) feed.removeChild(feed.lastChild);
  }
  es.addEventListener("wanderers", function (e) {
    var d = data(e);
    if (d && wanderers) wanderers.textContent = String(d.count);
  });
  es.addEventListener("stall", function (e) {
    var d = data(e);
    if (!d) return;
    if (open) open.textContent = String(Math.max(0, Number(open.textContent) + (d.open ? 1 : -1)));
    if (d.open && d.url && /^\//.test(d.url)) prepend(d.name, d.url);
  });
  es.addEventListener("question", function (e) {
    var d = data(e);
    if (d && d.url && /^\//.test(d.url)) prepend(d.body, d.url);
  });
})();
