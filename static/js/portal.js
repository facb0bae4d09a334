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
