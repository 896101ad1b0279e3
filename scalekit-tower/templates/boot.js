/* scalekit-tower: the listener served as a cached asset.
 *
 * The file the asset route serves is this wrapper called with portal.js (a
 * function expression). It starts one listener for each configuration
 * element on the page: `<script type="application/json" data-scalekit-config>`,
 * rendered by scalekit/script.html beside this script's tag. When the page
 * has a CSP nonce, a configuration element counts only if it carries the
 * same nonce as this script, so markup injected into the page cannot
 * configure a listener.
 */
(function (listen) {
  'use strict';

  var own = document.currentScript;
  var nonce = own && typeof own.nonce === 'string' ? own.nonce : '';

  function boot() {
    var nodes = document.querySelectorAll('script[type="application/json"][data-scalekit-config]');
    for (var i = 0; i < nodes.length; i += 1) {
      var node = nodes[i];
      if (node.hasAttribute('data-scalekit-started') || (node.nonce || '') !== nonce) {
        continue;
      }
      node.setAttribute('data-scalekit-started', '');
      var config = null;
      try {
        config = JSON.parse(node.textContent);
      } catch (ignored) {
        continue;
      }
      listen(config);
    }
  }

  boot();
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  }
})(
