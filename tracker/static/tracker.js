/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // Browsers without ::details-content keep folds closed on wide screens; open them there.
  var wide = window.matchMedia("(min-width: 40.0625rem)");
  function unfold() {
    if (!wide.matches) return;
    document.querySelectorAll("details.fold-wide:not([open])").forEach(function (d) {
      d.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", unfold);
  wide.addEventListener("change", unfold);
})();
