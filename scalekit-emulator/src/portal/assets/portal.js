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
    Array.prototype.forEach.call(document.querySelectorAll("button, input"), function (el) {
      el.disabled = true;
    });
  }

  // Sends a session request; resolves to { ok, status, body }.
  function send(method, url, payload) {
    var headers = { "X-Portal-Session": config.session.secret };
    if (payload) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      body: payload ? JSON.stringify(payload) : undefined,
      credentials: "omit",
      cache: "no-store"
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function failed(result) {
    if (result.status === 401) {
      expire();
    } else {
      setStatus(config.text.failed + " " + (result.body && result.body.message || result.status));
    }
  }

  function render(feature, enabled) {
    var prefix = feature === "sso" ? "sso" : "scim";
    var el = document.getElementById(prefix + "-state");
    if (!el) return;
    el.setAttribute("data-enabled", enabled ? "true" : "false");
    el.textContent = enabled ? "Enabled" : "Disabled";
    // "Enable" is the primary action only while the feature is off.
    var enable = document.getElementById(prefix + "-enable");
    if (enable) enable.classList.toggle("primary", !enabled);
  }

  // "45 seconds", "1 minute", "5 minutes": the time left, as a person says it.
  function remaining(ms) {
    var seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 120) return seconds + (seconds === 1 ? " second" : " seconds");
    var minutes = Math.round(seconds / 60);
    return minutes + " minutes";
  }

  var session = config.session;
  if (!session) {
    post(config.onLoad);
    return;
  }

  // The session cookie the link exchange set proves the session: without
  // it (a browser blocking third-party cookies in this frame) the portal
  // cannot start, and says so to its parent.
  function blocked() {
    document.body.setAttribute("data-portal-state", "failed");
    setStatus(config.text.cookieBlocked);
    Array.prototype.forEach.call(document.querySelectorAll("button, input"), function (el) {
      el.disabled = true;
    });
    post(session.failure);
  }

  fetch(session.sessionUrl, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok) {
      blocked();
      return;
    }
    document.body.setAttribute("data-portal-state", "active");
    post(config.onLoad);
    start();
  }).catch(blocked);

  function start() {
    var endsAt = Date.now() + session.expireInMs;
    if (session.warning) {
      setTimeout(function () {
        if (expired) return;
        setStatus(config.text.warning.replace("{remaining}", remaining(endsAt - Date.now())));
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
        send("POST", session.toggleUrl, { feature: feature, enabled: enabled }).then(function (result) {
          if (result.ok) {
            render(result.body.feature, result.body.enabled);
            setStatus(result.body.status_text);
            post(result.body.event);
          } else {
            failed(result);
          }
        }).catch(function () {
          setStatus(config.text.unreachable);
        });
      });
    });

    // Domain section: the server answers each action with the list's new
    // HTML (rendered from the same template as the page, values escaped).
    var domainList = document.getElementById("domain-list");
    var domainForm = document.getElementById("domain-form");
    function domainAction(method, url, payload) {
      if (expired) return;
      setStatus(config.text.saving);
      send(method, url, payload).then(function (result) {
        if (result.ok) {
          domainList.innerHTML = result.body.html;
          setStatus(result.body.status_text);
        } else {
          failed(result);
        }
      }).catch(function () {
        setStatus(config.text.unreachable);
      });
    }
    if (domainForm && domainList) {
      domainForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var input = document.getElementById("domain-input");
        domainAction("POST", session.domainsUrl, { domain: input.value });
        input.value = "";
      });
      domainList.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-domain-action]");
        if (!button) return;
        var url = session.domainsUrl + "/" + encodeURIComponent(button.getAttribute("data-domain-id"));
        if (button.getAttribute("data-domain-action") === "verify") {
          domainAction("POST", url + "/verify");
        } else {
          domainAction("DELETE", url);
        }
      });
    }
  }

  // Directory section: a new SCIM token, shown once.
  var tokenButton = document.getElementById("scim-token-generate");
  if (tokenButton) {
    tokenButton.addEventListener("click", function () {
      if (expired) return;
      setStatus(config.text.saving);
      send("POST", session.directoryTokenUrl).then(function (result) {
        if (result.ok) {
          document.getElementById("scim-endpoint").textContent = result.body.endpoint;
          document.getElementById("scim-token").textContent = result.body.token;
          tokenButton.textContent = "Regenerate token";
          setStatus(result.body.status_text);
        } else {
          failed(result);
        }
      }).catch(function () {
        setStatus(config.text.unreachable);
      });
    });
  }
})(JSON.parse(document.getElementById("portal-config").textContent));
