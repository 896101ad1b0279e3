//! `scalekit-emulator idp push` against a running emulator: it enables the
//! organization's directory, creates a secret over REST, and provisions
//! users and groups over SCIM, which the app receives as webhooks.

mod common;

use std::process::Command;

use common::scim::Idp;
use common::webhooks::Receiver;
use reqwest::Method;
use scalekit_emulator::Emulator;

const ORG: &str = "org_idp_push";

#[tokio::test(flavor = "multi_thread")]
async fn idp_push_provisions_users_and_groups_over_scim() {
    let mut app = Receiver::start(&[]).await;
    let emu = Emulator::builder()
        .seed_demo_organizations(false)
        .organization(ORG, "IdP Push", None)
        .webhook_endpoint(&app.url)
        .start()
        .await
        .unwrap();
    let output = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
            .args([
                "idp",
                "push",
                "--organization",
                ORG,
                "--users",
                "7",
                "--groups",
                "3",
            ])
            .env("SCALEKIT_ENVIRONMENT_URL", emu.base_url())
            .env("SCALEKIT_CLIENT_ID", emu.client_id())
            .env("SCALEKIT_CLIENT_SECRET", emu.client_secret())
            .output()
            .unwrap()
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("pushed 7 users and 3 groups"), "{stdout}");
    let directory = emu.organization(ORG).unwrap().directory_id;
    assert!(
        stdout.contains(&format!("/api/v1/directories/{directory}/scim/v2")),
        "{stdout}"
    );

    // Read the result back with a fresh secret (the push's own was answered once).
    let idp: Idp = common::scim::connect(&emu, ORG, &directory).await;
    let users = idp.ok(Method::GET, "/Users", None).await;
    assert_eq!(users["totalResults"], 7);
    let groups = idp.ok(Method::GET, "/Groups", None).await;
    let sizes: Vec<usize> = groups["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["members"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [3, 2, 2]);
    let mut created = 0;
    while created < 7 {
        if app.next().await.event_type() == "organization.directory.user_created" {
            created += 1;
        }
    }

    // A wrong token is refused with the SCIM error, and the command says so.
    let refused = tokio::task::block_in_place(|| {
        Command::new(env!("CARGO_BIN_EXE_scalekit-emulator"))
            .args([
                "idp",
                "push",
                "--url",
                emu.base_url(),
                "--organization",
                ORG,
            ])
            .args(["--directory", &directory, "--token", "scim_wrong"])
            .output()
            .unwrap()
    });
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));
    emu.shutdown().await;
}
