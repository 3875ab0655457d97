/* Progressive enhancement of the action forms; they all work without this file.
   - New or edited action: choosing an owner proposes their institution as the lead
     (without it, a blank lead institution is the owner's when the form is saved).
   - Bulk change on the action list: only the value the chosen change needs is shown,
     and a box in the table's head ticks every action of the page. */
(function () {
  "use strict";

  function proposeLead(owner, lead) {
    var proposed = null;
    owner.addEventListener("change", function () {
      var option = owner.options[owner.selectedIndex];
      var institution = option ? option.getAttribute("data-institution") : "";
      if (!institution) return;
      // Never overwrite a lead the coordinator chose themselves.
      if (lead.value === "" || lead.value === proposed) {
        lead.value = institution;
        proposed = institution;
      }
    });
  }

  function bulkValues(form) {
    var operation = form.querySelector("#bulk-operation");
    var fields = {
      owner: "bulk-owner", lead_institution: "bulk-institution", shift: "bulk-days",
      deadline: "bulk-deadline", status: "bulk-status", cycle: "bulk-weeks"
    };
    function show() {
      Object.keys(fields).forEach(function (op) {
        var input = form.querySelector("#" + fields[op]);
        // A style rather than `hidden`, which the fields' own display rule would override.
        if (input) input.closest(".field").style.display = operation.value === op ? "" : "none";
      });
    }
    operation.addEventListener("change", show);
    show();
  }

  function tickAll(form) {
    var head = document.querySelector(".actions-table thead th");
    var boxes = document.querySelectorAll("input[name=ids][form='" + form.id + "']");
    if (!head || !boxes.length) return;
    var all = document.createElement("input");
    all.type = "checkbox";
    all.setAttribute("aria-label", form.getAttribute("data-tick-all") || "");
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    head.appendChild(all);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var owner = document.querySelector("select#owner[data-proposes-lead]");
    var lead = document.querySelector("select#lead_institution");
    if (owner && lead) proposeLead(owner, lead);
    var bulk = document.getElementById("bulk-form");
    if (bulk) {
      bulkValues(bulk);
      tickAll(bulk);
    }
  });
})();
