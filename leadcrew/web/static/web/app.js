// leadcrew: small enhancements over pages that work without JavaScript.
// Everything is delegated from the document, so content that htmx swaps in works as well.
(function () {
  "use strict";

  // --- Compact view: selection and the bulk bar ------------------------------------------------

  function bulkForm(el) {
    return el.closest("[data-bulk-form]");
  }

  function refreshSelection(form) {
    var boxes = form.querySelectorAll("[data-lead-checkbox]");
    var checked = form.querySelectorAll("[data-lead-checkbox]:checked");
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = String(checked.length);
    var page = form.querySelector("[data-select-page]");
    if (page) {
      page.checked = boxes.length > 0 && checked.length === boxes.length;
      page.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    var matching = form.querySelector("[data-scope-matching]");
    var banner = form.querySelector("[data-select-all-banner]");
    if (banner) {
      var hasNext = document.querySelector("#lead-list a[rel=next], #lead-list a[rel=prev]");
      banner.hidden = !(page && page.checked && hasNext && matching && !matching.checked);
    }
  }

  function refreshActionFields(form) {
    var action = form.querySelector("select[name=action]");
    var status = form.querySelector("select[name=new_status]");
    if (!action) return;
    form.querySelectorAll("[data-for-action]").forEach(function (field) {
      var actions = field.getAttribute("data-for-action").split(" ");
      var shown = actions.indexOf(action.value) !== -1;
      var needsStatus = field.getAttribute("data-for-status");
      if (shown && needsStatus) shown = status && status.value === needsStatus;
      // Hidden fields with errors stay visible: the reader must see what to fix.
      field.hidden = !shown && !field.querySelector(".errorlist");
    });
  }

  function initBulk(root) {
    root.querySelectorAll("[data-bulk-form]").forEach(function (form) {
      refreshSelection(form);
      refreshActionFields(form);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = bulkForm(target);
    if (!form) return;
    if (target.matches("[data-select-page]")) {
      form.querySelectorAll("[data-lead-checkbox]").forEach(function (box) {
        box.checked = target.checked;
      });
      if (!target.checked) {
        var selected = form.querySelector("[data-scope-selected]");
        if (selected) selected.checked = true;
      }
    }
    if (target.matches("[data-lead-checkbox]")) {
      var one = form.querySelector("[data-scope-selected]");
      if (one) one.checked = true;
    }
    if (target.matches("[data-scope-matching]") && target.checked) {
      form.querySelectorAll("[data-lead-checkbox]").forEach(function (box) {
        box.checked = true;
      });
    }
    if (target.matches("select[name=action], select[name=new_status]")) {
      refreshActionFields(form);
    }
    refreshSelection(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select-matching]");
    if (!button) return;
    var form = bulkForm(button);
    var matching = form && form.querySelector("[data-scope-matching]");
    if (!matching) return;
    matching.checked = true;
    matching.dispatchEvent(new Event("change", { bubbles: true }));
    matching.focus();
  });

  // --- Forms that ask first ---------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // --- The user menu closes on Escape and on a click elsewhere ------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // --- Pipeline: drag a card to another column -----------------------------------------------------
  // Dropping submits the card's own "Move" form, the same one keyboard users use.

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-lead][draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest && event.target.closest("[data-step]");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (c) {
      if (c !== column) c.classList.remove("drop-target");
    });
    column.classList.add("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest && event.target.closest("[data-step]");
    if (!column) return;
    event.preventDefault();
    var form = dragged.querySelector("[data-move-form]");
    var select = form && form.querySelector("select[name=step]");
    var step = column.getAttribute("data-step");
    if (!select || select.value === step) return;
    select.value = step;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });

  // --- Start, and again on every piece of page htmx brings in --------------------------------------

  function init(root) {
    initBulk(root || document);
  }
  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
