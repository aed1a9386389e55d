// Live sessions, made quicker with JavaScript; every page works without it.
// A page with data-live-events follows the session over server-sent events:
// - a phone (data-live-view) reloads when what it shows changes (another step,
//   results shown), unless the person is typing, when it says so instead;
// - the console and the projector (data-live-v) fetch themselves again after any
//   change, at most twice a second, and swap the new page in.
// Keys on the console and the projector: arrows and space press the buttons marked
// data-key; F asks for full screen.
(function () {
  var root = document.querySelector("[data-live-events]");
  if (!root || !window.EventSource) return;
  var url = root.getAttribute("data-live-events");
  var phone = root.hasAttribute("data-live-view");
  var typing = function () {
    var box = document.querySelector("textarea[name=thought], input[name=word]");
    return box && box.value.trim() !== "";
  };
  var notice = function () {
    if (document.getElementById("live-next")) return;
    var p = document.createElement("p");
    p.id = "live-next";
    p.className = "notice";
    p.setAttribute("role", "status");
    p.innerHTML = 'Something new is on the screen. <a href="">Show it</a> (what you typed here is not sent).';
    root.insertBefore(p, root.firstChild);
  };
  var pending = false, last = Date.now();
  var refetch = function () {
    if (pending) return;
    pending = true;
    setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          pending = false;
          last = Date.now();
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("[data-live-events]");
          var scroll = window.scrollY;
          if (fresh && !document.activeElement.closest("form")) {
            root.innerHTML = fresh.innerHTML;
            root.setAttribute("data-live-v", fresh.getAttribute("data-live-v") || "");
            window.scrollTo(0, scroll);
            startTimer();
          }
        })
        .catch(function () { pending = false; });
    }, Math.max(0, 500 - (Date.now() - last)));
  };
  var source = new EventSource(url);
  source.addEventListener("live", function (e) {
    var d = JSON.parse(e.data);
    if (phone) {
      if (d.view === root.getAttribute("data-live-view") && !d.ended) return;
      if (typing()) notice(); else location.reload();
    } else if (String(d.v) !== root.getAttribute("data-live-v")) {
      refetch();
    }
  });
  var timer = null;
  var startTimer = function () {
    if (timer) clearInterval(timer);
    var t = document.querySelector("[data-live-timer]");
    if (!t) return;
    var left = parseInt(t.getAttribute("data-live-timer"), 10);
    timer = setInterval(function () {
      left = Math.max(0, left - 1);
      t.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left === 0) clearInterval(timer);
    }, 1000);
  };
  startTimer();
  document.addEventListener("keydown", function (e) {
    if (phone || e.target.closest("input, textarea, select")) return;
    if (e.key === "f" || e.key === "F") {
      if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
      return;
    }
    var b = document.querySelector('[data-key="' + e.key + '"]');
    if (b) { e.preventDefault(); b.click(); }
  });
})();
