/* Pickers that search (issue 13): every long <select> becomes a type-ahead picker with Tom
 * Select (pinned npm package, served by Vigil; no CDN). A select is enhanced when it allows
 * several choices, has more than PICKER_MIN options, or carries data-picker; data-picker="off"
 * keeps it plain. Typing ignores Vietnamese diacritics ("ha noi" finds "Hà Nội"). The original
 * <select> stays in the form: it is what is submitted, and the change events htmx listens to
 * still fire on it. Re-run on content swapped in by htmx. */
(function () {
  "use strict";
  var PICKER_MIN = 12;

  function wanted(el) {
    if (el.tomselect || el.dataset.picker === "off") return false;
    return el.dataset.picker !== undefined || el.multiple || el.options.length > PICKER_MIN;
  }

  function enhance(root) {
    if (typeof window.TomSelect !== "function") return;
    var selects = (root || document).querySelectorAll("select.form-select, select[data-picker]");
    Array.prototype.forEach.call(selects, function (el) {
      if (!wanted(el)) return;
      var html = document.documentElement;
      var empty = html.getAttribute("data-picker-empty") || "";
      var picker = new window.TomSelect(el, {
        plugins: el.multiple ? ["remove_button"] : [],
        create: false,
        allowEmptyOption: true,
        maxOptions: null,
        hideSelected: el.multiple,
        closeAfterSelect: !el.multiple,
        render: {
          no_results: function () {
            var div = document.createElement("div");
            div.className = "no-results";
            div.textContent = empty;
            return div;
          }
        }
      });
      el.setAttribute("data-picker-ready", "1");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
