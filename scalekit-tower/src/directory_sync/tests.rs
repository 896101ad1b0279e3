//! The ordering guard and the delete policy, on events as Scalekit sends
//! them.

use serde_json::json;

use super::*;
use crate::webhook::{WebhookEvent, parse_event_for_tests};

fn event(kind: &str, at: &str, data: serde_json::Value) -> WebhookEvent {
    let body = json!({
        "id": format!("evt_{kind}_{at}"),
        "type": format!("organization.directory.{kind}"),
        "occurred_at": at,
        "organization_id": "org_1",
        "data": data,
    });
    parse_event_for_tests(&body.to_string())
}

fn user(kind: &str, at: &str, name: &str, active: bool, groups: &[&str]) -> WebhookEvent {
    let groups: Vec<_> = groups
        .iter()
        .map(|id| json!({"id": id, "name": "G"}))
        .collect();
    event(
        kind,
        at,
        json!({"id": "diruser_1", "organization_id": "org_1", "given_name": name,
               "email": "jane@acme.test", "active": active, "groups": groups}),
    )
}

const T1: &str = "2025-01-15T08:00:00.000000Z";
const T2: &str = "2025-01-15T08:00:01.000000Z";
const T3: &str = "2025-01-15T08:00:02.000000Z";

#[tokio::test]
async fn an_older_update_changes_nothing_and_a_repeat_is_stale() {
    let sync = DirectorySync::new(InMemoryDirectory::new());
    let newer = user("user_updated", T2, "Janet", true, &["dirgroup_1"]);
    assert_eq!(sync.apply(&newer).await.unwrap(), Outcome::Applied);
    let older = user("user_created", T1, "Jane", true, &[]);
    assert_eq!(sync.apply(&older).await.unwrap(), Outcome::Stale);
    assert_eq!(sync.apply(&newer).await.unwrap(), Outcome::Stale);
    let stored = sync.store().user("diruser_1").unwrap();
    assert_eq!(stored.given_name.as_deref(), Some("Janet"));
    assert_eq!(stored.group_ids, ["dirgroup_1"]);
}

#[tokio::test]
async fn a_delete_wins_over_an_older_update_in_any_arrival_order() {
    for policy in [DeletePolicy::Deactivate, DeletePolicy::Delete] {
        let sync = DirectorySync::new(InMemoryDirectory::new()).delete_policy(policy);
        let deleted = event(
            "user_deleted",
            T3,
            json!({"id": "diruser_1", "email": "jane@acme.test"}),
        );
        // The deletion overtakes the creation and an update.
        assert_eq!(sync.apply(&deleted).await.unwrap(), Outcome::Applied);
        assert_eq!(sync.apply(&deleted).await.unwrap(), Outcome::Stale);
        let late = user("user_updated", T2, "Janet", true, &[]);
        let later_still = user("user_created", T1, "Jane", true, &[]);
        match policy {
            DeletePolicy::Deactivate => {
                // The user's attributes arrive, but it stays inactive.
                assert_eq!(sync.apply(&late).await.unwrap(), Outcome::Applied);
                assert_eq!(sync.apply(&later_still).await.unwrap(), Outcome::Stale);
                let kept = sync.store().user("diruser_1").unwrap();
                assert_eq!(
                    (kept.active, kept.given_name.as_deref()),
                    (Some(false), Some("Janet"))
                );
            }
            _ => {
                assert_eq!(sync.apply(&late).await.unwrap(), Outcome::Stale);
                assert!(sync.store().user("diruser_1").is_none());
            }
        }
    }
}

#[tokio::test]
async fn deactivation_groups_and_unrelated_events() {
    let sync = DirectorySync::new(InMemoryDirectory::new());
    sync.apply(&user("user_created", T1, "Jane", true, &["dirgroup_1"]))
        .await
        .unwrap();
    sync.apply(&user("user_updated", T2, "Jane", false, &["dirgroup_1"]))
        .await
        .unwrap();
    assert_eq!(sync.store().user("diruser_1").unwrap().active, Some(false));
    let group = json!({"id": "dirgroup_1", "display_name": "Eng", "directory_id": "dir_1"});
    sync.apply(&event("group_created", T1, group.clone()))
        .await
        .unwrap();
    assert_eq!(
        sync.store().groups()[0].display_name.as_deref(),
        Some("Eng")
    );
    sync.apply(&event("group_deleted", T3, group))
        .await
        .unwrap();
    assert!(sync.store().groups().is_empty());
    assert!(sync.store().user("diruser_1").unwrap().group_ids.is_empty());
    let other = parse_event_for_tests(
        r#"{"id":"evt_x","type":"organization.sso_enabled",
        "data":{"id":"conn_1","organization_id":"org_1"}}"#,
    );
    assert_eq!(sync.apply(&other).await.unwrap(), Outcome::Ignored);
}
