/* Folded parts of a page (<details class="fold">) are printed unfolded. The stylesheet does it
   in browsers that support ::details-content (Chromium 131+); older ones, such as Yandex.Browser
   21, print a closed fold closed, so the folds are opened for printing and closed again after. */
(function () {
  "use strict";
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details.fold:not([open])");
    for (var i = 0; i < closed.length; i += 1) {
      closed[i].open = true;
      opened.push(closed[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    for (var i = 0; i < opened.length; i += 1) {
      opened[i].open = false;
    }
    opened = [];
  });
})();
