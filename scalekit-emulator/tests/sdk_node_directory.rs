//! The official Node SDK lists a directory's users and groups, every page,
//! after an identity provider pushed them over SCIM: its answers (over gRPC)
//! match the SCIM state. `sdk/node/directory.js` makes the calls.
//!
//! Needs `node` and `npm ci` in `tests/sdk/node` (`.ci/run` does both).

mod common;

use std::process::Command;

use common::scim::connect;
use common::sdk::{self, sdk_dir};
use reqwest::Method;
use scalekit_emulator::Emulator;
use serde_json::{Value, json};

const ORG: &str = "org_node_directory";

#[tokio::test(flavor = "multi_thread")]
async fn the_node_sdk_lists_every_page_of_users_and_groups() {
    let Some(node) = sdk::runner(
        which::which("node").ok(),
        &sdk_dir("node").join("node_modules/@scalekit-sdk/node/package.json"),
        "the Node SDK check needs `node` on PATH and `npm ci` in tests/sdk/node",
    ) else {
        return;
    };
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "Node Directory", None)
        .start()
        .await
        .unwrap();
    let directory = emu.organization(ORG).unwrap().directory_id;
    let idp = connect(&emu, ORG, &directory).await;
    let mut ids = Vec::new();
    for n in 0..25 {
        let user = json!({"userName": format!("user{n:02}@acme.test"), "name": {"givenName": format!("U{n}")},
            "emails": [{"value": format!("user{n:02}@acme.test"), "primary": true}]});
        ids.push(
            idp.ok(Method::POST, "/Users", Some(user)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for (n, members) in [&ids[..3], &ids[3..4], &[]].iter().enumerate() {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        idp.ok(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": format!("G{n}"), "members": members})),
        )
        .await;
    }

    let mut command = Command::new(node);
    command
        .env("DIRECTORY_ID", &directory)
        .arg("directory.js")
        .current_dir(sdk_dir("node"));
    let out = tokio::task::block_in_place(|| sdk::run(command, &emu, ORG, None));

    let scim_users = idp.ok(Method::GET, "/Users?count=100", None).await;
    let scim_users = scim_users["Resources"].as_array().unwrap();
    let listed = out["users"].as_array().unwrap();
    assert_eq!(
        (out["userPages"].as_u64(), out["userTotal"].as_u64()),
        (Some(3), Some(25))
    );
    assert_eq!(listed.len(), scim_users.len());
    for (sdk_user, scim_user) in listed.iter().zip(scim_users) {
        assert_eq!(sdk_user["id"], scim_user["id"]);
        assert_eq!(sdk_user["preferredUsername"], scim_user["userName"]);
        assert_eq!(sdk_user["email"], scim_user["emails"][0]["value"]);
        assert_eq!(sdk_user["givenName"], scim_user["name"]["givenName"]);
        let groups: Vec<&Value> = scim_user["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| &g["value"])
            .collect();
        assert_eq!(
            sdk_user["groups"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            groups
        );
    }
    let scim_groups = idp.ok(Method::GET, "/Groups", None).await;
    let groups: Vec<(String, u64)> = out["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["displayName"].as_str().unwrap().to_owned(),
                g["totalUsers"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("G0".to_owned(), 3),
            ("G1".to_owned(), 1),
            ("G2".to_owned(), 0)
        ]
    );
    assert_eq!(out["groupPages"], 2);
    assert_eq!(scim_groups["totalResults"], 3);
    assert_eq!(out["detail"]["userName"], "user00@acme.test");
    assert_eq!(out["directory"]["id"], directory.as_str());
    assert_eq!(out["directory"]["totalUsers"], 25);
    assert_eq!(out["directory"]["totalGroups"], 3);
    assert_eq!(out["directory"]["endpoint"], idp.base.as_str());
    assert_eq!(
        out["directory"]["secretSuffixes"],
        json!([&idp.secret[idp.secret.len() - 4..]])
    );
    emu.shutdown().await;
}
