// Admin portal page script. Its configuration comes from the
// <script type="application/json" id="portal-config"> element the server
// renders (JSON with <, >, & escaped), so no value is ever spliced into code.
"use strict";
(function (config) {
  var statusEl = document.getElementById("portal-status");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-feature]"));
  var expired = false;

  // A postMessage whose targetOrigin does not match the parent is dropped by
  // the browser, so posting to every registered origin reaches only the
  // real parent, and only if it is registered.
  function post(message) {
    if (!message || window.parent === window) return;
    config.parentOrigins.forEach(function (origin) {
      window.parent.postMessage(message, origin);
    });
  }

  function setStatus(text) {
    statusEl.textContent = text;
  }

  function expire() {
    expired = true;
    document.body.setAttribute("data-portal-state", "expired");
    setStatus(config.text.expired);
    buttons.forEach(function (button) { button.disabled = true; });
  }

  function render(feature, enabled) {
    var el = document.getElementById(feature === "sso" ? "sso-state" : "scim-state");
    if (!el) return;
    el.setAttribute("data-enabled", enabled ? "true" : "false");
    el.textContent = enabled ? "Enabled" : "Disabled";
  }

  post(config.onLoad);
  var session = config.session;
  if (!session) return;

  if (session.warning) {
    setTimeout(function () {
      if (expired) return;
      setStatus(config.text.warning);
      post(session.warning);
    }, session.warnInMs);
  }
  setTimeout(function () {
    expire();
    post(session.expiry);
  }, session.expireInMs);

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      if (expired) return;
      var feature = button.getAttribute("data-feature");
      var enabled = button.getAttribute("data-enabled") === "true";
      setStatus(config.text.saving);
      fetch(session.toggleUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Portal-Session": session.secret },
        body: JSON.stringify({ feature: feature, enabled: enabled }),
        credentials: "omit",
        cache: "no-store"
      }).then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      }).then(function (result) {
        if (result.ok) {
          render(result.body.feature, result.body.enabled);
          setStatus(result.body.status_text);
          post(result.body.event);
        } else if (result.status === 401) {
          expire();
        } else {
          setStatus(config.text.failed + " " + (result.body && result.body.message || result.status));
        }
      }).catch(function () {
        setStatus(config.text.unreachable);
      });
    });
  });
})(JSON.parse(document.getElementById("portal-config").textContent));
