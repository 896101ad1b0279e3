// The settings page's reactions. Badges for SSO and directory sync follow
// the server only: the page renders them from the server's state, and
// `scalekit:status` (the kit's listener asking the status endpoint) updates
// them. The portal's own `scalekit:*` events only drive toasts and the
// event log: any script on the page could send them. The webhook panel
// reloads the server's list of verified deliveries.
(function () {
  "use strict";
  var labels = {
    "scalekit:loaded": ["Portal loaded", "active", "Portal: active"],
    "scalekit:sso-enabled": ["Portal says: SSO enabled; asking the server"],
    "scalekit:sso-disabled": ["Portal says: SSO disabled; asking the server"],
    "scalekit:directory-enabled": ["Portal says: directory sync enabled; asking the server"],
    "scalekit:directory-disabled": ["Portal says: directory sync disabled; asking the server"],
    "scalekit:session-warning": ["Portal session ends soon", "warning", "Portal: ending soon"],
    "scalekit:session-expired": ["Portal session expired, refreshing", "warning", "Portal: refreshing"],
    "scalekit:refreshed": ["Session refreshed", "active", "Portal: active"],
    "scalekit:refresh-failed": ["Could not refresh the portal", "off", "Portal: unavailable"],
    "scalekit:load-failed": ["Portal link expired, refreshing", "warning", "Portal: refreshing"],
    "scalekit:load-timeout": ["Portal did not load", "off", "Portal: not loading"],
    "scalekit:fallback": ["The portal cannot work here; it can open in a new tab", "off", "Portal: open in a new tab"],
    "scalekit:handoff": ["Portal opened in a new tab; this page follows the server", "warning", "Portal: in another tab"],
    "scalekit:status": ["Server confirmed the status"],
    "scalekit:status-failed": ["Could not read the status from the server"]
  };
  var DELIVERIES_URL = "/settings/webhooks";

  // Toasts sit in the top bar's reserved strip (never over a panel): the
  // newest few, each gone after a few seconds; the event log keeps them all.
  var MAX_TOASTS = 2;
  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast";
    item.textContent = text;
    box.insertBefore(item, box.firstChild);
    while (box.children.length > MAX_TOASTS) { box.removeChild(box.lastChild); }
    setTimeout(function () { item.remove(); }, 4000);
  }

  function log(type) {
    var list = document.getElementById("event-log");
    if (!list) { return; }
    var item = document.createElement("li");
    var time = new Date().toLocaleTimeString();
    item.textContent = time + "  " + type;
    list.insertBefore(item, list.firstChild);
  }

  function setBadge(id, state, text) {
    var badge = document.getElementById(id);
    if (badge) {
      badge.textContent = text;
      badge.setAttribute("data-state", state);
    }
  }

  // The server's answer: the only thing that moves the SSO/directory badges.
  function showStatus(status) {
    if (!status || typeof status !== "object") { return; }
    if (status.sso && typeof status.sso.enabled === "boolean") {
      setBadge("badge-sso", status.sso.enabled ? "on" : "off", "SSO: " + (status.sso.enabled ? "on" : "off"));
    }
    if (status.directory && typeof status.directory.enabled === "boolean") {
      var on = status.directory.enabled;
      setBadge("badge-directory", on ? "on" : "off", "Directory sync: " + (on ? "on" : "off"));
    }
  }

  function showDeliveries(deliveries) {
    var list = document.getElementById("webhook-log");
    if (!list || !Array.isArray(deliveries)) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    deliveries.forEach(function (delivery) {
      var item = document.createElement("li");
      item.setAttribute("data-event-type", String(delivery.event_type));
      var code = document.createElement("code");
      code.textContent = String(delivery.event_type);
      item.appendChild(code);
      item.appendChild(document.createTextNode(" " + String(delivery.summary)));
      list.appendChild(item);
    });
  }

  function loadDeliveries() {
    if (!document.getElementById("webhook-log")) { return; }
    fetch(DELIVERIES_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(showDeliveries)
      .catch(function () {});
  }

  Object.keys(labels).forEach(function (type) {
    document.addEventListener(type, function (event) {
      var label = labels[type];
      if (label.length > 1) { setBadge("badge-session", label[1], label[2]); }
      if (type === "scalekit:status") { showStatus(event.detail); loadDeliveries(); }
      toast(label[0]);
      log(type);
    });
  });

  // Webhooks arrive on their own schedule (retried, possibly late).
  if (document.getElementById("webhook-log")) {
    setInterval(loadDeliveries, 2000);
  }
})();
