// shiji world market: the days and times of other markets also in the
// reader's own time zone. Every <time datetime="…" data-yours="label"> gets
// "label HH:MM" after it; without JavaScript the page shows the market's
// own time and this market's.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var lang = document.documentElement.lang || undefined;
  var fmt = new Intl.DateTimeFormat(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  var times = document.querySelectorAll("time[data-yours]");
  for (var i = 0; i < times.length; i++) {
    var t = times[i];
    var d = new Date(t.getAttribute("datetime"));
    if (isNaN(d.getTime())) continue;
    var span = document.createElement("span");
    span.className = "yours";
    span.textContent = " · " + t.getAttribute("data-yours") + " " + fmt.format(d);
    t.parentNode.insertBefore(span, t.nextSibling);
  }
})();
