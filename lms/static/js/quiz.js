// Saves a quiz attempt's answers as the learner goes, so leaving loses nothing. The page works
// without it: "Save and leave" and "Submit answers" post the same answers to the server.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-draft-url");
  var status = document.getElementById("draft-status");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var timer = null;
  var dirty = false;

  // The page gives the words in the reader's language; English if it does not.
  var savedText = form.getAttribute("data-saved-text") || "Your answers are saved.";
  var unsavedText = form.getAttribute("data-unsaved-text") ||
    "Your latest answers are not saved yet. Use “Save and leave” before you go.";

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    timer = null;
    if (!dirty) { return; }
    dirty = false;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 409) { window.location.reload(); return; }
      if (!response.ok) { throw new Error(String(response.status)); }
      say(savedText);
    }).catch(function () {
      dirty = true;
      say(unsavedText);
    });
  }

  function changed() {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 600);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  form.addEventListener("submit", function () {
    // The submission carries every answer; nothing left to save in the background.
    dirty = false;
    if (timer) { clearTimeout(timer); timer = null; }
  });
  window.addEventListener("pagehide", function () {
    if (dirty && navigator.sendBeacon) { navigator.sendBeacon(url, new FormData(form)); }
    dirty = false;
  });
})();
