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

// SLA policies: each row ([data-sla-row]) shows, in [data-sla-preview], when a case opened now
// would be due. As the admin edits the row, the server computes it again for the new values
// (GET, changes nothing), so the page and the real deadlines count time the same way.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-sla-row]").forEach(function (row) {
    var preview = row.querySelector("[data-sla-preview]");
    var timer = null;
    var asked = 0;
    function refresh() {
      var params = new URLSearchParams({ severity: row.getAttribute("data-sla-row") });
      row.querySelectorAll("input[name], select[name]").forEach(function (control) {
        if (control.type === "checkbox" && !control.checked) { return; }
        params.append(control.name, control.value);
      });
      var mine = ++asked;
      fetch(row.getAttribute("data-sla-preview-url") + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (answer) {
        if (mine !== asked) { return; }  // a later question is on its way
        function paragraph(className) {
          return function (line) {
            var p = document.createElement("p");
            p.className = className;
            p.textContent = line;
            return p;
          };
        }
        // Warnings first (a wall-clock policy in teams without an on-call rota), then examples.
        var warnings = (answer.warnings || []).map(paragraph("mb-1 fw-semibold sla-preview-warning"));
        preview.replaceChildren.apply(preview, warnings.concat(answer.lines.map(paragraph("mb-0"))));
      }).catch(function () { /* keep the last example; saving shows the real one */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    }
    row.addEventListener("input", later);
    row.addEventListener("change", later);
  });
});

// Holidays: the year typed in ([data-holiday-year-input]) is repeated in the buttons' labels
// ("Add Swedish public holidays for 2027"), so they say what pressing them does.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.querySelector("[data-holiday-year-input]");
  if (!input) { return; }
  input.addEventListener("input", function () {
    document.querySelectorAll("[data-holiday-year]").forEach(function (label) {
      label.textContent = input.value.trim() || "…";
    });
  });
});
