// Reacts to the portal's DOM events: badges, toasts and an event log.
(function () {
  "use strict";
  var labels = {
    "scalekit:loaded": ["Portal loaded", "session", "active", "Portal: active"],
    "scalekit:sso-enabled": ["SSO enabled", "sso", "on", "SSO: on"],
    "scalekit:sso-disabled": ["SSO disabled", "sso", "off", "SSO: off"],
    "scalekit:directory-enabled": ["Directory sync enabled", "directory", "on", "Directory sync: on"],
    "scalekit:directory-disabled": ["Directory sync disabled", "directory", "off", "Directory sync: off"],
    "scalekit:session-warning": ["Portal session ends soon", "session", "warning", "Portal: ending soon"],
    "scalekit:session-expired": ["Portal session expired, refreshing", "session", "warning", "Portal: refreshing"],
    "scalekit:refreshed": ["Session refreshed", "session", "active", "Portal: active"],
    "scalekit:refresh-failed": ["Could not refresh the portal", "session", "off", "Portal: unavailable"],
    "scalekit:load-failed": ["Portal link expired, refreshing", "session", "warning", "Portal: refreshing"],
    "scalekit:load-timeout": ["Portal did not load", "session", "off", "Portal: not loading"]
  };

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "toast";
    item.textContent = text;
    box.appendChild(item);
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

  Object.keys(labels).forEach(function (type) {
    document.addEventListener(type, function () {
      var label = labels[type];
      var badge = document.getElementById("badge-" + label[1]);
      if (badge) {
        badge.textContent = label[3];
        badge.setAttribute("data-state", label[2]);
      }
      toast(label[0]);
      log(type);
    });
  });
})();
