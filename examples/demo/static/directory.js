// The Directory panel: the users and groups the server holds for the
// signed-in admin's organization (fed by Scalekit's directory webhooks and
// a reconcile). On load the page asks the server to reconcile from its
// watermark; "Reconcile now" reads everything. The list is polled, as the
// webhook panel is: webhooks arrive on their own schedule.
(function () {
  "use strict";
  var LIST_URL = "/settings/directory";
  var RECONCILE_URL = "/settings/directory/reconcile";
  var users = document.getElementById("directory-users");
  var groups = document.getElementById("directory-groups");
  var status = document.getElementById("directory-status");
  var button = document.getElementById("directory-reconcile");
  if (!users || !groups) { return; }

  function say(text) { if (status) { status.textContent = text; } }

  function clear(list) { while (list.firstChild) { list.removeChild(list.firstChild); } }

  function item(text, detail) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "directory-name";
    name.textContent = text;
    li.appendChild(name);
    if (detail) {
      var more = document.createElement("span");
      more.className = "muted";
      more.textContent = " " + detail;
      li.appendChild(more);
    }
    return li;
  }

  function show(view) {
    if (!view || !Array.isArray(view.users) || !Array.isArray(view.groups)) { return; }
    clear(users);
    view.users.forEach(function (user) {
      var groupNames = Array.isArray(user.groups) ? user.groups.map(String) : [];
      var detail = [user.email ? String(user.email) : "", groupNames.join(", "), user.active ? "" : "(inactive)"]
        .filter(function (part) { return part; }).join(" · ");
      var li = item(String(user.name || user.id), detail);
      li.setAttribute("data-user-id", String(user.id));
      li.setAttribute("data-name", String(user.name));
      li.setAttribute("data-active", user.active ? "true" : "false");
      li.setAttribute("data-groups", groupNames.join("|"));
      users.appendChild(li);
    });
    clear(groups);
    view.groups.forEach(function (group) {
      var li = item(String(group.name || group.id), String(group.members) + " active members");
      li.setAttribute("data-group-id", String(group.id));
      li.setAttribute("data-name", String(group.name));
      li.setAttribute("data-members", String(group.members));
      groups.appendChild(li);
    });
  }

  function load() {
    return fetch(LIST_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(show)
      .catch(function () {});
  }

  function reconcile(full) {
    if (status) { status.setAttribute("data-reconcile", "running"); }
    say(full ? "Reconciling everything from Scalekit…" : "Reconciling from Scalekit…");
    return fetch(RECONCILE_URL + (full ? "?full=true" : ""), { method: "POST", credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (status) { status.setAttribute("data-reconcile", report ? "done" : "failed"); }
        return load().then(function () {
          if (!report) {
            say("Could not read the directory from Scalekit.");
          } else if (!report.directory) {
            say("Directory sync is off for this organization.");
          } else {
            say("Reconciled: " + report.applied + " applied, " + report.stale + " unchanged, " + report.removed + " removed.");
          }
        });
      })
      .catch(function () {
        if (status) { status.setAttribute("data-reconcile", "failed"); }
        say("Could not reach the server.");
      });
  }

  if (button) { button.addEventListener("click", function () { reconcile(true); }); }
  reconcile(false);
  setInterval(load, 2000);
})();
