// Aftersale: the little behaviour our pages need, kept out of the HTML for the strict CSP.
"use strict";

// A form with data-confirm="..." asks before it is sent (deactivating an account, for one).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A read-only field with data-select-on-focus selects all of itself, ready to copy.
document.addEventListener("focusin", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) {
    event.target.select();
  }
});

// A button with data-copy="#id" copies that field's value. It is hidden in the HTML and shown
// only where the browser can copy (a secure page); elsewhere the field is selected by hand.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      var status = document.getElementById("copy-status");
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = "Copied to the clipboard."; }
      }, function () {
        field.focus();
        if (status) { status.textContent = "Could not copy: the key is selected, copy it with Ctrl+C or Cmd+C."; }
      });
    });
  });
});
