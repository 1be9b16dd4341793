// Rill console: reloads the page every data-refresh seconds (0: never), but not while the user is
// typing into a field, so a claim's consumer name is never lost. Nothing else runs in the page.
(function () {
  'use strict';
  var seconds = Number(document.body.getAttribute('data-refresh') || '0');
  if (!(seconds > 0)) {
    return;
  }
  function busy() {
    var a = document.activeElement;
    return a && (a.tagName === 'INPUT' || a.tagName === 'SELECT' || a.tagName === 'TEXTAREA') && a.value !== '';
  }
  function tick() {
    if (busy()) {
      window.setTimeout(tick, seconds * 1000);
      return;
    }
    window.location.reload();
  }
  window.setTimeout(tick, seconds * 1000);
}());
