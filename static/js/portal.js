// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // The phone's menu folds only where this script runs (without it the bar wraps).
  document.documentElement.classList.add("js");

  function toggleMenu(open) {
    var bar = document.querySelector(".topbar");
    var button = bar && bar.querySelector(".menu-toggle");
    if (!button) return;
    bar.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  // The slide-in panel is a modal dialog for the keyboard too: focus goes into it
  // when it opens, Tab and Shift+Tab stay inside, Escape closes it, and focus goes
  // back to what opened it.
  var opener = null;
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]";

  function openDialog() {
    var panel = document.getElementById("panel");
    return panel && panel.querySelector("[role=dialog]");
  }

  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return el.tabIndex >= 0 && el.getClientRects().length > 0;
    });
  }

  function closePanel() {
    var panel = document.getElementById("panel");
    if (!panel || !panel.innerHTML) return;
    panel.innerHTML = "";
    if (opener && document.contains(opener)) opener.focus();
    opener = null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    var panel = document.getElementById("panel");
    if (target === panel && !panel.contains(event.detail.elt)) opener = document.activeElement;
  });

  document.addEventListener("keydown", function (event) {
    var dialog = event.key === "Tab" && openDialog();
    if (!dialog) return;
    var items = focusables(dialog);
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1];
    var inside = dialog.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (toggle) {
      toggleMenu(toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var closer = event.target.closest("[data-close-panel]");
    if (closer && closer.closest("#panel")) {
      event.preventDefault();
      closePanel();
    } else if (event.target.id === "panel") {
      closePanel(); // a click on the backdrop
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closePanel();
      toggleMenu(false);
    }
    // Enter in the area picker searches (htmx listens for "search"); it must not
    // submit the whole partner form.
    if (event.key === "Enter" && event.target.matches("input[data-enter=find]")) {
      event.preventDefault();
      event.target.dispatchEvent(new Event("search"));
    }
  });

  // A download asked for from the slide-in panel: the page stays, the panel goes.
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-download]") && event.target.closest("#panel")) {
      window.setTimeout(closePanel, 0);
    }
  });

  // A select that acts at once (e.g. assigning a reviewer): its form is sent on change.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-submit-on-change]")) event.target.form.requestSubmit();
  });

  // A "Copy" button next to a secret shown once (without JavaScript it stays hidden
  // and the hint says to select and copy).
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (navigator.clipboard) button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    var source = button && document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    navigator.clipboard.writeText(source.value).then(function () {
      button.textContent = "Copied";
    });
  });

  // Upload progress: htmx reports the request's progress on the form.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form.upload");
    var bar = form && form.querySelector(".upload-progress");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  // A form that comes back into the slide-in panel with errors: take the person to
  // the first one. (Otherwise htmx focuses the field marked autofocus, if any.)
  // (A history restore settles without a target: nothing to do then.)
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "panel") return;
    var field = target.querySelector(
      ".has-error input:not([type=hidden]), .has-error select, .has-error textarea"
    );
    var dialog = openDialog();
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "center" });
    } else if (dialog && !dialog.contains(document.activeElement)) {
      var items = focusables(dialog);
      if (items.length) items[0].focus();
    }
  });
})();
