// The portal's only script; every page works without it. It adds:
// - focus on the error summary of a failed form, so a screen reader reads it first;
// - the code of an e-mail link (after "#token=", which no server ever sees) moved into the
//   form's code field, and removed from the address bar.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".portal-error-summary");
    if (summary) {
      summary.focus();
    }
    var match = /^#token=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    var field = document.querySelector("input[data-token-from-fragment]");
    if (match && field) {
      if (!field.value) {
        field.value = match[1];
      }
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  });
})();
