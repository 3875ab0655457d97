/* Multiple selects become searchable pickers (Tom Select); without this file, or without
   JavaScript, they stay plain <select multiple> and the form posts the same values.
   The words come from the select's data-picker-* attributes, in the page's language. */
(function () {
  "use strict";
  function text(tag, className, words) {
    var el = document.createElement(tag);
    el.className = className;
    el.textContent = words;
    return el;
  }
  // A chosen item's "×", named in words (not "times") for screen readers; keyboards remove
  // items with Backspace instead, so it stays out of the tab order.
  function removeButton(data) {
    var button = text("span", data.className, data.label);
    button.title = data.title;
    button.setAttribute("role", "button");
    button.setAttribute("aria-label", data.title);
    button.tabIndex = -1;
    return button;
  }
  function enhance(select) {
    var words = select.dataset;
    var hint = document.getElementById(select.id + "-hint");
    var picker = new window.TomSelect(select, {
      plugins: {remove_button: {title: words.pickerRemove, html: removeButton}},
      maxOptions: null,           // every option can be found, not the first 50
      closeAfterSelect: false,    // several choices in a row, as the field is for
      clearAfterSelect: true,     // ... each found by a new search
      hidePlaceholder: true,
      placeholder: words.pickerPlaceholder,
      render: {
        no_results: function () { return text("div", "no-results", words.pickerEmpty); }
      }
    });
    // The control's input is the field now: it carries the label (Tom Select moves the
    // label's "for" to it), the hint and the error messages.
    var described = [hint && hint.id, select.getAttribute("aria-describedby")]
      .filter(Boolean).join(" ");
    if (described) picker.control_input.setAttribute("aria-describedby", described);
    if (select.getAttribute("aria-invalid")) {
      picker.control_input.setAttribute("aria-invalid", "true");
    }
    if (hint && words.pickerHint) hint.textContent = words.pickerHint;
    // The plain select stays in the form, out of sight and out of the tab order: screen
    // readers meet the field once, as the picker.
    select.setAttribute("aria-hidden", "true");
  }
  function start() {
    if (!window.TomSelect) return;
    document.querySelectorAll("select[multiple][data-picker]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
