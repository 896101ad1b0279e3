//! The demo's Directory panel in headless Chromium, end to end: Alice
//! enables directory sync in the embedded portal and copies its SCIM
//! endpoint and token from the portal's page; the test plays the identity
//! provider with them over plain HTTP; the panel shows the people the
//! demo's server received through the signed directory webhooks and the
//! kit's sync helper. Deactivations and deletions follow, then the same
//! under the emulator's duplicate and reorder faults, then a window of
//! dropped webhooks that the panel's "Reconcile now" repairs.
//!
//! Skips (passes without doing anything) without Chromium and
//! chromedriver, unless `CI` is set.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use scalekit_demo::Upstream;
use scalekit_emulator::Emulator;
use scalekit_testkit::browser::Browser;
use scalekit_testkit::scim::ScimDirectory;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// Waits until the demo badge `id` is in `state`.
async fn wait_for_badge(browser: &Browser, id: &str, state: &str) {
    browser
        .wait_for_attribute(id, "data-state", state, WAIT)
        .await;
}

/// What the panel shows, one line per user and group, sorted: inactive
/// users without their memberships (the directory drops a deleted user's).
const PANEL_JS: &str = "var out = []; \
    document.querySelectorAll('#directory-users li').forEach(function (li) { \
      var active = li.getAttribute('data-active') === 'true'; \
      out.push('user ' + li.getAttribute('data-user-id') + ' ' + li.getAttribute('data-name') + \
        (active ? ' active [' + li.getAttribute('data-groups') + ']' : ' inactive')); }); \
    document.querySelectorAll('#directory-groups li').forEach(function (li) { \
      out.push('group ' + li.getAttribute('data-group-id') + ' ' + li.getAttribute('data-name') + \
        ' ' + li.getAttribute('data-members')); }); \
    return out.sort();";

async fn panel(browser: &Browser) -> Vec<String> {
    serde_json::from_value(browser.eval(PANEL_JS).await).unwrap_or_default()
}

/// The panel the SCIM state should produce; `gone`: users deleted in the
/// directory, which the demo keeps inactive.
async fn expected(idp: &ScimDirectory, gone: &[(&str, &str)]) -> Vec<String> {
    let groups = idp.groups().await;
    let users = idp.users().await;
    let names: BTreeMap<String, String> = groups
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_owned(),
                g["displayName"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let memberships = |user: &Value| -> Vec<String> {
        user["groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .filter_map(|g| g["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut lines = Vec::new();
    for user in &users {
        let id = user["id"].as_str().unwrap();
        let name = format!(
            "{} {}",
            user["name"]["givenName"].as_str().unwrap(),
            user["name"]["familyName"].as_str().unwrap()
        );
        if user["active"].as_bool().unwrap_or(true) {
            let mut member_of: Vec<String> = memberships(user)
                .iter()
                .map(|g| names.get(g).cloned().unwrap_or_else(|| g.clone()))
                .collect();
            member_of.sort();
            lines.push(format!("user {id} {name} active [{}]", member_of.join("|")));
        } else {
            lines.push(format!("user {id} {name} inactive"));
        }
    }
    for (id, name) in gone {
        lines.push(format!("user {id} {name} inactive"));
    }
    for (id, name) in &names {
        let members = users
            .iter()
            .filter(|u| u["active"].as_bool().unwrap_or(true) && memberships(u).contains(id))
            .count();
        lines.push(format!("group {id} {name} {members}"));
    }
    lines.sort();
    lines
}

/// Polls the panel until it shows `want` (it reloads every two seconds).
async fn wait_for_panel(browser: &Browser, want: &[String], what: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = panel(browser).await;
        if shown == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the panel shows\n{shown:#?}\nbut the directory holds\n{want:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn settle(emulator: &Emulator) {
    tokio::time::timeout(WAIT, emulator.webhooks_settled())
        .await
        .expect("the webhooks settle");
}

/// In the portal frame: enables directory sync, generates a token, and
/// reads the SCIM endpoint and the token from the page.
async fn connect_from_the_portal(browser: &Browser) -> ScimDirectory {
    browser.enter_frame("scalekit-portal").await;
    browser.click("scim-enable").await;
    browser
        .wait_for_attribute("scim-state", "data-enabled", "true", WAIT)
        .await;
    browser.click("scim-token-generate").await;
    let token = browser
        .wait_until(
            "the new SCIM token shown",
            "var t = document.getElementById('scim-token').textContent.trim(); \
             return t.length > 8 && t.indexOf('\u{b7}') < 0 && t !== 'none yet' ? t : null;",
            WAIT,
        )
        .await;
    let endpoint = browser
        .eval("return document.getElementById('scim-endpoint').textContent.trim();")
        .await;
    browser.leave_frame().await;
    ScimDirectory::new(
        endpoint.as_str().expect("the endpoint").to_owned(),
        token.as_str().expect("the token").to_owned(),
    )
}

#[tokio::test]
async fn the_directory_panel_follows_the_identity_provider() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo = scalekit_demo::start(listener, Upstream::local())
        .await
        .unwrap();
    let emulator = demo.emulator().expect("the demo runs offline by default");

    browser.goto(&demo.url()).await;
    browser.click("login-alice").await;
    wait_for_badge(&browser, "badge-session", "active").await;
    let idp = connect_from_the_portal(&browser).await;
    wait_for_badge(&browser, "badge-directory", "on").await;

    // The identity provider pushes people and groups.
    let ann = idp.create_user("ann@acme.test", "Ann", "Ng").await;
    let ben = idp.create_user("ben@acme.test", "Ben", "Ruiz").await;
    let cid = idp.create_user("cid@acme.test", "Cid", "Diaz").await;
    let engineering = idp.create_group("Engineering", &[&ann, &ben]).await;
    let sales = idp.create_group("Sales", &[&cid]).await;
    settle(emulator).await;
    wait_for_panel(&browser, &expected(&idp, &[]).await, "after the push").await;

    // A deactivation and a deletion: both stay in the panel, inactive.
    idp.deactivate(&cid).await;
    idp.delete(&format!("/Users/{ben}")).await;
    settle(emulator).await;
    let mut gone = vec![(ben.as_str(), "Ben Ruiz")];
    wait_for_panel(
        &browser,
        &expected(&idp, &gone).await,
        "after a deactivation and a deletion",
    )
    .await;

    // Duplicated and reordered deliveries end in the same state.
    emulator.faults().duplicate_next_webhooks(8);
    emulator.faults().reorder_next_webhooks(8);
    let dee = idp.create_user("dee@acme.test", "Dee", "Lee").await;
    idp.patch(
        &format!("/Users/{ann}"),
        json!([{"op": "replace", "path": "name.givenName", "value": "Annie"}]),
    )
    .await;
    idp.patch(
        &format!("/Groups/{engineering}"),
        json!([{"op": "add", "path": "members", "value": [{"value": dee}]}]),
    )
    .await;
    idp.patch(
        &format!("/Groups/{sales}"),
        json!([{"op": "replace", "value": {"displayName": "Revenue"}}]),
    )
    .await;
    idp.delete(&format!("/Groups/{sales}")).await;
    settle(emulator).await;
    wait_for_panel(
        &browser,
        &expected(&idp, &gone).await,
        "under duplicates and reordering",
    )
    .await;

    // A window of lost deliveries: the panel misses it until a reconcile.
    let before = panel(&browser).await;
    emulator.faults().drop_next_webhooks(1_000);
    let eve = idp.create_user("eve@acme.test", "Eve", "Park").await;
    idp.delete(&format!("/Users/{dee}")).await;
    idp.patch(
        &format!("/Groups/{engineering}"),
        json!([{"op": "replace", "value": {"displayName": "Platform"}}]),
    )
    .await;
    settle(emulator).await;
    emulator.faults().clear();
    assert_eq!(
        panel(&browser).await,
        before,
        "nothing was delivered, so nothing changed"
    );
    browser.click("directory-reconcile").await;
    gone.push((dee.as_str(), "Dee Lee"));
    let want = expected(&idp, &gone).await;
    assert!(
        want.iter().any(|line| line.contains(&eve)),
        "eve is in the directory"
    );
    wait_for_panel(&browser, &want, "after the reconcile").await;
    let status = browser
        .eval("return document.getElementById('directory-status').textContent;")
        .await;
    assert!(
        status
            .as_str()
            .unwrap_or_default()
            .starts_with("Reconciled:"),
        "{status}"
    );
}
