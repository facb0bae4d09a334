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

// A link in the error summary moves the focus to the question it names (a fragment link
// alone only scrolls, and the rating inputs are drawn as buttons, so the page would scroll
// to an invisible element).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".alert a[href^='#']");
  if (!link) { return; }
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) { return; }
  event.preventDefault();
  var question = target.closest("fieldset") || target;
  question.scrollIntoView({ block: "start" });
  target.focus({ preventScroll: true });
});
