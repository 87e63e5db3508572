/* Vigil's page behaviour, loaded from our own origin (the Content-Security-Policy allows no
   inline script and no inline event handler). Delegated from the document, so it also
   works on fragments htmx swaps in.

   data-autosubmit             on a <select>: submit its form when the choice changes
   data-confirm="question"     on a <form>: ask before submitting; cancel keeps the page
   data-details-toggle="open"  on a button: open (or "close") every <details> inside the
   data-details-target="sel"   element the selector names
*/
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.matches && form.matches("form[data-confirm]")) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-details-toggle]") : null;
    if (!button) {
      return;
    }
    var open = button.getAttribute("data-details-toggle") === "open";
    var scope = document.querySelector(button.getAttribute("data-details-target") || "body");
    if (!scope) {
      return;
    }
    scope.querySelectorAll("details").forEach(function (d) { d.open = open; });
  });
})();
