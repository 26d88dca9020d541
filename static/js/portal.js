// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function closePanel() {
    var panel = document.getElementById("panel");
    if (panel) panel.innerHTML = "";
  }

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-panel]");
    if (closer && closer.closest("#panel")) {
      event.preventDefault();
      closePanel();
    } else if (event.target.id === "panel") {
      closePanel(); // a click on the backdrop
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
    // Enter in the area picker searches (htmx listens for "search"); it must not
    // submit the whole partner form.
    if (event.key === "Enter" && event.target.matches("input[data-enter=find]")) {
      event.preventDefault();
      event.target.dispatchEvent(new Event("search"));
    }
  });

  // Upload progress: htmx reports the request's progress on the form.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form.upload");
    var bar = form && form.querySelector(".upload-progress");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  // Focus the first field of a form that arrives in the slide-in panel.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "panel") return;
    var field = event.detail.target.querySelector(".has-error input, input:not([type=hidden])");
    if (field) field.focus();
  });
})();
