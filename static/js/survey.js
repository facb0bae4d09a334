// Tells the portal that a person opened the survey (link scanners fetch pages but do not run
// scripts, so the GET itself records nothing).
(function () {
  "use strict";
  var card = document.getElementById("survey");
  if (!card || !window.fetch) { return; }
  var body = new URLSearchParams();
  body.append("csrf_token", card.dataset.csrf);
  fetch(card.dataset.openedUrl, { method: "POST", body: body, credentials: "same-origin" })
    .catch(function () { /* best effort: tracking must never bother the customer */ });
})();
