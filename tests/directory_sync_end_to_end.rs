//! Directory sync end to end over real HTTP: an identity provider's SCIM
//! calls to the emulator -> signed `organization.directory.*` webhooks ->
//! the kit's `WebhookService` -> `DirectorySync` -> the app's store; and the
//! reconcile from the paged reads after webhooks were dropped.
//!
//! The store must end equal to the directory's SCIM state whatever the
//! delivery faults (duplicates, reordering, drops followed by a reconcile).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use scalekit_axum_extract::webhook_route;
use scalekit_emulator::Emulator;
use scalekit_testkit::scim::ScimDirectory;
use scalekit_testkit::{Served, client_for};
use scalekit_tower::OrganizationId;
use scalekit_tower::directory_sync::{DirectorySync, InMemoryDirectory, SyncedUser};
use scalekit_tower::webhook::{WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier};
use serde_json::{Value, json};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const PATH: &str = "/webhooks/scalekit";
const ORG: &str = "org_directory_e2e";
const SETTLE: Duration = Duration::from_secs(30);

type Sync = Arc<DirectorySync<InMemoryDirectory>>;
/// `(id, given name, active, group ids)` per user, `(id, name)` per group.
type State = (
    Vec<(String, String, bool, Vec<String>)>,
    Vec<(String, String)>,
);

/// The app: the kit's webhook endpoint feeding the sync helper.
async fn app(sync: Sync) -> Served {
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    let service = WebhookService::new(verifier, move |event: WebhookEvent| {
        let sync = sync.clone();
        async move { sync.apply(&event).await.map(|_| ()) }
    });
    Served::axum(Router::new().merge(webhook_route(PATH, service))).await
}

async fn emulator(app: &Served) -> Emulator {
    Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "Directory E2E", None)
        .webhook_endpoint(app.url(PATH))
        .webhook_secret(SECRET)
        .webhook_retry_scale(0.001)
        .start()
        .await
        .unwrap()
}

async fn settle(emulator: &Emulator) {
    tokio::time::timeout(SETTLE, emulator.webhooks_settled())
        .await
        .expect("the deliveries settle");
}

/// Okta's life cycle: three users, a group, a rename, a deactivation, a
/// deletion and a membership change. Answers the deleted user's id.
async fn provision(idp: &ScimDirectory) -> String {
    let alice = idp.create_user("alice@acme.test", "Alice", "Ng").await;
    let bob = idp.create_user("bob@acme.test", "Bob", "Ruiz").await;
    let carol = idp.create_user("carol@acme.test", "Carol", "Diaz").await;
    let eng = idp.create_group("Engineering", &[&alice, &bob]).await;
    idp.patch(
        &format!("/Users/{alice}"),
        json!([{"op": "replace", "path": "name.givenName", "value": "Alicia"}]),
    )
    .await;
    idp.deactivate(&carol).await;
    idp.patch(
        &format!("/Groups/{eng}"),
        json!([{"op": "add", "path": "members", "value": [{"value": carol}]},
               {"op": "replace", "value": {"displayName": "Platform"}}]),
    )
    .await;
    idp.delete(&format!("/Users/{bob}")).await;
    bob
}

/// The SCIM state as the app should hold it: `(id, given name, active,
/// group ids)` per user, `(id, name)` per group; users deleted in the
/// directory are kept inactive (the default policy) and listed in `gone`.
fn expected(users: &[Value], groups: &[Value], gone: &[(String, String)]) -> State {
    let mut expected_users: BTreeMap<String, (String, bool, Vec<String>)> = users
        .iter()
        .map(|u| {
            let mut groups: Vec<String> = u["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["value"].as_str().unwrap().to_owned())
                .collect();
            groups.sort();
            (
                u["id"].as_str().unwrap().to_owned(),
                (
                    u["name"]["givenName"].as_str().unwrap().to_owned(),
                    u["active"].as_bool().unwrap_or(true),
                    groups,
                ),
            )
        })
        .collect();
    for (id, given) in gone {
        expected_users.insert(id.clone(), (given.clone(), false, Vec::new()));
    }
    let groups = groups
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap().to_owned(),
                g["displayName"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let users = expected_users
        .into_iter()
        .map(|(id, (given, active, groups))| (id, given, active, groups))
        .collect();
    (users, groups)
}

fn held(sync: &Sync) -> State {
    let users = sync
        .store()
        .users()
        .into_iter()
        .map(|user: SyncedUser| {
            let mut groups = user.group_ids.clone();
            groups.sort();
            (
                user.id,
                user.given_name.unwrap_or_default(),
                user.active != Some(false),
                groups,
            )
        })
        .collect();
    let groups = sync
        .store()
        .groups()
        .into_iter()
        .map(|group| (group.id, group.display_name.unwrap_or_default()))
        .collect();
    (users, groups)
}

/// A deleted user keeps the memberships it had when deleted in the
/// store's last upsert; the directory drops them. Compare without those.
fn without_deleted_memberships(mut state: State, gone: &[(String, String)]) -> State {
    for user in &mut state.0 {
        if gone.iter().any(|(id, _)| *id == user.0) {
            user.3.clear();
        }
    }
    state
}

async fn run(faults: impl FnOnce(&Emulator)) {
    let sync: Sync = Arc::new(DirectorySync::new(InMemoryDirectory::new()));
    let app = app(sync.clone()).await;
    let emulator = emulator(&app).await;
    let idp = ScimDirectory::connect(&emulator, ORG).await;
    faults(&emulator);
    let bob = provision(&idp).await;
    settle(&emulator).await;
    let gone = [(bob, "Bob".to_owned())];
    let want = expected(&idp.users().await, &idp.groups().await, &gone);
    assert_eq!(without_deleted_memberships(held(&sync), &gone), want);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_store_follows_the_identity_provider() {
    run(|_| {}).await;
}

#[tokio::test]
async fn duplicates_and_reordering_end_in_the_same_state() {
    run(|emulator| {
        emulator.faults().duplicate_next_webhooks(4);
        emulator.faults().reorder_next_webhooks(8);
    })
    .await;
}

#[tokio::test]
async fn a_reconcile_after_dropped_webhooks_converges() {
    let sync: Sync = Arc::new(DirectorySync::new(InMemoryDirectory::new()));
    let app = app(sync.clone()).await;
    let emulator = emulator(&app).await;
    let idp = ScimDirectory::connect(&emulator, ORG).await;
    let client = client_for(&emulator, Duration::from_secs(5));
    let org: OrganizationId = ORG.parse().unwrap();
    let directory = emulator.organization(ORG).unwrap().directory_id;

    // Every event of the first push is lost.
    emulator.faults().drop_next_webhooks(1_000);
    let bob = provision(&idp).await;
    settle(&emulator).await;
    assert!(sync.store().users().is_empty(), "nothing was delivered");
    let report = sync.reconcile(&client, &org, &directory).await.unwrap();
    assert!(
        report.watermark.is_some() && report.applied == 3,
        "{report:?}"
    );
    let want = expected(&idp.users().await, &idp.groups().await, &[]);
    assert_eq!(held(&sync), want);

    // Later changes, again undelivered: an incremental reconcile picks up
    // the update; the deletion needs the full one.
    let alice = idp.users().await[0]["id"].as_str().unwrap().to_owned();
    idp.patch(
        &format!("/Users/{alice}"),
        json!([{"op": "replace", "path": "name.givenName", "value": "Ali"}]),
    )
    .await;
    let dave = idp.create_user("dave@acme.test", "Dave", "Lee").await;
    idp.delete(&format!("/Users/{dave}")).await;
    settle(&emulator).await;
    let report = sync.reconcile(&client, &org, &directory).await.unwrap();
    assert_eq!(
        report.applied, 1,
        "only alice changed since the watermark: {report:?}"
    );
    assert_eq!(
        sync.store().user(&alice).unwrap().given_name.as_deref(),
        Some("Ali")
    );
    let carol = idp.users().await[1]["id"].as_str().unwrap().to_owned();
    idp.delete(&format!("/Users/{carol}")).await;
    settle(&emulator).await;
    let report = sync
        .reconcile_full(&client, &org, &directory)
        .await
        .unwrap();
    assert_eq!(report.removed, 0, "carol was inactive already: {report:?}");
    let gone = [(carol, "Carol".to_owned())];
    let want = expected(&idp.users().await, &idp.groups().await, &gone);
    assert_eq!(without_deleted_memberships(held(&sync), &gone), want);
    assert!(
        sync.store().user(&bob).is_none(),
        "never seen, already deleted"
    );
    emulator.shutdown().await;
}
