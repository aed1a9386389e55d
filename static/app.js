// Small enhancements only: every page works without this file.
// "Copy link" buttons: <button data-copy="input-id">.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  var done = function () {
    var old = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = old; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
// Move focus to an error summary so screen-reader users hear what went wrong.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
// Print buttons: <button data-print>.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// Autosave drafts of long notes: <form data-autosave="URL">. Every few seconds after a
// change, the form is sent to URL (which keeps a draft, not the record); the status
// line says what happened. Without JavaScript the Save button works the same way.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var status = form.querySelector(".autosave-status");
  var url = form.getAttribute("data-autosave");
  var dirty = false, busy = false, saving = false;
  var say = function (text) { if (status) status.textContent = text; };
  var stamp = function () {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  };
  form.addEventListener("input", function () { dirty = true; say("Unsaved changes"); });
  form.addEventListener("submit", function () { saving = true; });
  var send = function () {
    if (!dirty || busy || saving) return;
    busy = true; dirty = false;
    var body = new URLSearchParams(new FormData(form));
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                 headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (r) {
        if (r.status === 204) say("Draft kept at " + stamp() + ". Press Save when you are done.");
        else if (r.type === "opaqueredirect" || r.status === 0) { say("You seem to be signed out. Your text is still here: press Save and you can sign in to finish."); }
        else { dirty = true; say("Could not keep a draft just now; your text is still here."); }
      })
      .catch(function () { dirty = true; say("Offline: your text is still here. Save when you are back online."); })
      .then(function () { busy = false; });
  };
  setInterval(send, 5000);
  window.addEventListener("beforeunload", function (e) {
    if (dirty && !saving) { e.preventDefault(); e.returnValue = ""; }
  });
});
// Navigation menus (<details data-menu>): on wide screens in browsers that cannot show a
// closed <details>'s contents with CSS alone, open them so every link shows.
(function () {
  if (!window.matchMedia || (window.CSS && CSS.supports && CSS.supports("selector(::details-content)"))) return;
  var wide = window.matchMedia("(min-width: 50rem)");
  var apply = function () {
    document.querySelectorAll("details[data-menu]").forEach(function (d) { d.open = wide.matches; });
  };
  document.addEventListener("DOMContentLoaded", apply);
  if (wide.addEventListener) wide.addEventListener("change", apply);
})();
// Printing shows folded parts too (for browsers whose print styles cannot open them).
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open]):not([data-menu])").forEach(function (d) {
    d.setAttribute("open", "");
    d.setAttribute("data-opened-for-print", "");
  });
});
window.addEventListener("afterprint", function () {
  document.querySelectorAll("details[data-opened-for-print]").forEach(function (d) {
    d.removeAttribute("open");
    d.removeAttribute("data-opened-for-print");
  });
});
