(function () {
  "use strict";
  // The only script these pages run. The CSP allows it by its SHA-256 (see src/web/mod.rs), so it
  // must stay byte-for-byte what is served; no inline handlers, listeners are attached here.
  document.documentElement.setAttribute("data-js", "on");
  function say(button, text) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    clearTimeout(button._reset);
    button._reset = setTimeout(function () { button.textContent = label; }, 2000);
  }
  function select(target) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    (function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target) { return; }
      button.addEventListener("click", function () {
        var text = target.textContent.trim();
        var fallback = function () {
          select(target);
          say(button, /Mac|iPhone|iPad/.test(navigator.platform) ? "Press \u2318C" : "Press Ctrl+C");
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(function () { say(button, "Copied"); }, fallback);
        } else {
          fallback();
        }
      });
      button.hidden = false;
      button.setAttribute("data-ready", "true");
    })(buttons[i]);
  }
})();
