// leadcrew: small enhancements over pages that work without JavaScript.
// Everything is delegated from the document, so content that htmx swaps in works as well.
(function () {
  "use strict";

  // Styles that fold things away (the phone menu) apply only where this script runs.
  document.documentElement.classList.add("js");

  // --- Compact view: selection and the bulk bar ------------------------------------------------

  function bulkForm(el) {
    return el.closest("[data-bulk-form]");
  }

  function refreshSelection(form) {
    var boxes = form.querySelectorAll("[data-lead-checkbox]");
    var checked = form.querySelectorAll("[data-lead-checkbox]:checked");
    var count = form.querySelector("[data-selected-count]");
    if (count) count.textContent = String(checked.length);
    // The table's heading has one; a phone, which shows the leads as cards, another.
    var page = null;
    form.querySelectorAll("[data-select-page]").forEach(function (box) {
      box.checked = boxes.length > 0 && checked.length === boxes.length;
      box.indeterminate = checked.length > 0 && checked.length < boxes.length;
      page = box;
    });
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

  // --- Pipeline: drag a card by its handle with a finger or a pen ---------------------------------
  // Touch screens fire no HTML5 drag events: pointer events carry the same move. The handle has
  // `touch-action: none`, so the page scrolls everywhere else; the card's menu stays the way in
  // for keyboards and screen readers.

  var touchCard = null;

  function columnAt(event) {
    var under = document.elementFromPoint(event.clientX, event.clientY);
    return under && under.closest ? under.closest("[data-step]") : null;
  }
  function clearTargets(keep) {
    document.querySelectorAll(".drop-target").forEach(function (c) {
      if (c !== keep) c.classList.remove("drop-target");
    });
  }
  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType === "mouse") return; // a mouse drags with the HTML5 events above
    var handle = event.target.closest && event.target.closest("[data-drag-handle]");
    var card = handle && handle.closest("[data-lead][draggable=true]");
    if (!card) return;
    event.preventDefault();
    touchCard = card;
    card.classList.add("dragging");
    try { handle.setPointerCapture(event.pointerId); } catch (error) { /* a finished pointer */ }
  });
  document.addEventListener("pointermove", function (event) {
    if (!touchCard) return;
    var column = columnAt(event);
    clearTargets(column);
    if (column) column.classList.add("drop-target");
  });
  function dropTouch(event, cancelled) {
    if (!touchCard) return;
    var card = touchCard;
    touchCard = null;
    card.classList.remove("dragging");
    clearTargets(null);
    var column = cancelled ? null : columnAt(event);
    var form = card.querySelector("[data-move-form]");
    var select = form && form.querySelector("select[name=step]");
    var step = column && column.getAttribute("data-step");
    if (!select || !step || select.value === step) return;
    select.value = step;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }
  document.addEventListener("pointerup", function (event) { dropTouch(event, false); });
  document.addEventListener("pointercancel", function (event) { dropTouch(event, true); });

  // --- Destructive bulk actions ask first, with the count ----------------------------------------

  function bulkCount(form) {
    var matching = form.querySelector("[data-scope-matching]");
    if (matching && matching.checked) return parseInt(matching.getAttribute("data-count"), 10) || 0;
    return form.querySelectorAll("[data-lead-checkbox]:checked").length;
  }

  function bulkQuestion(form) {
    // The questions sit on the bulk bar, one pair (one lead, several) per destructive action.
    var action = form.querySelector("select[name=action]");
    if (!action || !/^[a-z_]+$/.test(action.value)) return null;
    var holder = form.querySelector("[data-confirm-" + action.value + "-one]");
    if (!holder) return null;
    var count = bulkCount(form);
    if (!count) return null;
    var text = holder.getAttribute("data-confirm-" + action.value + (count === 1 ? "-one" : "-many"));
    return text.replace("{count}", count.toLocaleString(document.documentElement.lang || undefined));
  }

  // htmx asks before every request: a bulk "Apply" of a destructive action waits for a yes.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.closest && elt.closest("[data-bulk-form]");
    if (!form || !elt.matches("[data-bulk-apply]")) return;
    var question = bulkQuestion(form);
    if (!question) return;
    event.preventDefault();
    if (window.confirm(question)) event.detail.issueRequest(true);
  });
  // The same form sent without htmx (or with htmx not loaded yet).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-bulk-form]")) return;
    var submitter = event.submitter;
    if (submitter && !submitter.matches("[data-bulk-apply]")) return;
    var question = bulkQuestion(form);
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // --- The phone menu ------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var bar = toggle.closest(".topbar");
    var open = !bar.classList.contains("nav-open");
    bar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = bar.querySelector(".mainnav a");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var bar = document.querySelector(".topbar.nav-open");
    if (!bar) return;
    bar.classList.remove("nav-open");
    var toggle = bar.querySelector("[data-nav-toggle]");
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  });

  // --- Loading: what a request waits for says so, and its buttons cannot be pressed twice --------

  var inFlight = 0;
  function loadingBar(on) {
    var bar = document.querySelector(".loading-bar");
    if (on && !bar) {
      bar = document.createElement("div");
      bar.className = "loading-bar";
      bar.setAttribute("aria-hidden", "true");
      document.body.appendChild(bar);
    } else if (!on && bar) {
      bar.remove();
    }
  }
  function busyButtons(elt) {
    // A check made while typing (the new-lead form's duplicates) never holds the form's buttons.
    if (elt.hasAttribute("data-background-request")) return [];
    var form = elt.closest("form") || (elt.tagName === "FORM" ? elt : null);
    var buttons = [];
    if (elt.matches("button")) buttons.push(elt);
    if (form) form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      if (buttons.indexOf(b) === -1) buttons.push(b);
    });
    return buttons;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    inFlight += 1;
    loadingBar(true);
    var main = document.getElementById("main");
    if (main) main.setAttribute("aria-busy", "true");
    busyButtons(elt).forEach(function (button) {
      if (button.disabled) return;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      button.setAttribute("data-busy", "");
    });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    inFlight = Math.max(0, inFlight - 1);
    if (!inFlight) {
      loadingBar(false);
      var main = document.getElementById("main");
      if (main) main.removeAttribute("aria-busy");
    }
    busyButtons(event.detail.elt).forEach(function (button) {
      if (!button.hasAttribute("data-busy")) return;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.removeAttribute("data-busy");
    });
  });
  // A plain form post (a full page load) also disables its buttons, so a double click sends once.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches || form.method === "get") return;
    if (form.getAttribute("method") === "dialog") return;
    var submitter = event.submitter;
    // A download (CSV export) leaves the page in place: its button must work again.
    if (submitter && submitter.hasAttribute("data-download")) return;
    window.setTimeout(function () {
      if (submitter && !submitter.disabled) {
        submitter.setAttribute("aria-busy", "true");
        submitter.disabled = true;
      }
    }, 0);
  });
  // Coming back with the browser's back button shows the page as it was: buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });

  // --- Keyboard shortcuts: / search, j/k next and previous, e edit, ? help ------------------------

  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=true], [contenteditable=''], dialog[open]");
  }

  function listRows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.leads tbody tr"))
      .filter(function (row) { return row.querySelector("td.title a"); });
  }

  function pickRow(step) {
    var rows = listRows();
    if (!rows.length) return false;
    var current = rows.findIndex(function (row) { return row.classList.contains("picked"); });
    var next = current === -1 ? (step > 0 ? 0 : rows.length - 1) : current + step;
    if (next < 0 || next >= rows.length) {
      var pager = document.querySelector(step > 0 ? "#lead-list a[rel=next]" : "#lead-list a[rel=prev]");
      if (pager) window.location.href = pager.href;
      return true;
    }
    if (current !== -1) rows[current].classList.remove("picked");
    rows[next].classList.add("picked");
    var link = rows[next].querySelector("td.title a");
    link.focus();
    return true;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (!link) return false;
    window.location.href = link.href;
    return true;
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = close && close.closest("dialog");
    if (dialog) dialog.close();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var key = event.key;
    var handled = false;
    if (key === "/") {
      // The page's own search (the lead list's, the folder list's), else the one at the top.
      var search = document.querySelector("main [data-search-box]") || document.querySelector("[data-global-search]");
      if (search) {
        search.focus();
        if (search.select) search.select();
        handled = true;
      }
    } else if (key === "j" || key === "k") {
      var step = key === "j" ? 1 : -1;
      handled = listRows().length ? pickRow(step) : follow(step > 0 ? "[data-next-lead]" : "[data-previous-lead]");
    } else if (key === "e") {
      var field = document.querySelector("[data-edit-first]");
      if (field && !field.disabled) {
        field.focus();
        field.scrollIntoView({ block: "center" });
        handled = true;
      }
    } else if (key === "?") {
      var help = document.getElementById("shortcuts-help");
      if (help && help.showModal && !help.open) {
        help.showModal();
        handled = true;
      }
    }
    if (handled) event.preventDefault();
  });

  // --- The header's search: arrows walk its results, Escape or a click elsewhere closes them ---

  function searchLinks() {
    var results = document.getElementById("topsearch-results");
    return results ? Array.prototype.slice.call(results.querySelectorAll("a")) : [];
  }

  function closeSearch(focusBox) {
    var results = document.getElementById("topsearch-results");
    if (!results || !results.firstChild) return false;
    results.replaceChildren();
    var box = document.querySelector("[data-global-search]");
    if (focusBox && box) box.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var inSearch = event.target.closest && event.target.closest(".topsearch");
    if (!inSearch) return;
    if (event.key === "Escape") {
      if (closeSearch(true)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var links = searchLinks();
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) {
      document.querySelector("[data-global-search]").focus();
    } else {
      links[Math.min(next, links.length - 1)].focus();
    }
    event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".topsearch")) return;
    closeSearch(false);
  });

  // --- Start, and again on every piece of page htmx brings in --------------------------------------

  // On a phone, the filters beyond the search start folded, unless the list is filtered.
  // --- Tag suggestions: after the tags already typed, the vocabulary's other tags -------------

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-tag-suggest]")) return;
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    if (!list.vocabulary) {
      list.vocabulary = Array.prototype.map.call(list.options, function (o) { return o.value; });
    }
    var typed = input.value.split(",").slice(0, -1)
      .map(function (tag) { return tag.trim(); })
      .filter(function (tag) { return tag; });
    var head = typed.length ? typed.join(", ") + ", " : "";
    var taken = typed.map(function (tag) { return tag.toLowerCase(); });
    var options = list.vocabulary
      .filter(function (tag) { return taken.indexOf(tag.toLowerCase()) === -1; })
      .map(function (tag) {
        var option = document.createElement("option");
        option.value = head + tag;
        return option;
      });
    list.replaceChildren.apply(list, options);
  });

  function foldFilters(root) {
    if (!window.matchMedia("(max-width: 640px)").matches) return;
    root.querySelectorAll("details[data-fold-on-phone]").forEach(function (details) {
      if (!details.hasAttribute("data-folded-once") && !details.hasAttribute("data-filtered")) {
        details.open = false;
      }
      details.setAttribute("data-folded-once", "");
    });
  }

  function init(root) {
    initBulk(root || document);
    foldFilters(root || document);
  }
  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
