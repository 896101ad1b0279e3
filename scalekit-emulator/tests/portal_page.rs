//! The admin-portal page: embedding policy, events, buttons and sessions.

mod common;

use std::time::Duration;

use common::{
    frame_ancestors, get_json, http, mint_location, open_portal, portal_config, toggle, token,
};
use reqwest::StatusCode;
use scalekit_emulator::{Emulator, demo};
use serde_json::{Value, json};

#[tokio::test]
async fn frame_ancestors_lists_the_registered_origins() {
    let emu = Emulator::builder()
        .allowed_parent_origin("http://127.0.0.1:4000")
        .allowed_parent_origin("http://localhost:4000/")
        .start()
        .await
        .unwrap();
    let (ancestors, html) = open_portal(&emu, demo::ACME_ID, "features=sso").await;
    assert_eq!(ancestors, "http://127.0.0.1:4000 http://localhost:4000");
    let config = portal_config(&html);
    assert_eq!(
        config["parentOrigins"],
        json!(["http://127.0.0.1:4000", "http://localhost:4000"])
    );

    // The failure page carries it too.
    let response = http()
        .get(emu.url("/magicLink/unknown"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        frame_ancestors(&response),
        "http://127.0.0.1:4000 http://localhost:4000"
    );
}

#[tokio::test]
async fn without_registered_origins_framing_is_refused() {
    let emu = Emulator::start().await.unwrap();
    let (ancestors, html) = open_portal(&emu, demo::ACME_ID, "").await;
    assert_eq!(ancestors, "'none'");
    assert_eq!(portal_config(&html)["parentOrigins"], json!([]));

    // Registering at runtime takes effect for the next page.
    emu.add_allowed_parent_origin("http://127.0.0.1:4321")
        .unwrap();
    assert!(
        emu.add_allowed_parent_origin("javascript:alert(1)")
            .is_err()
    );
    assert!(
        emu.add_allowed_parent_origin("http://x.example; script-src *")
            .is_err()
    );
    let (ancestors, _) = open_portal(&emu, demo::ACME_ID, "").await;
    assert_eq!(ancestors, "http://127.0.0.1:4321");
    assert_eq!(
        emu.allowed_parent_origins(),
        vec!["http://127.0.0.1:4321".to_owned()]
    );
}

#[tokio::test]
async fn the_script_runs_under_a_nonce_csp() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let location = mint_location(&emu, &token, demo::ACME_ID, "").await;
    let response = http().get(&location).send().await.unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let nonce = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("script-src 'nonce-"))
        .and_then(|rest| rest.strip_suffix('\''))
        .expect("script nonce");
    assert!(nonce.len() >= 16);
    assert!(html.contains(&format!(r#"<script nonce="{nonce}">"#)));
    assert!(csp.contains("default-src 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    // The page posts with each registered origin as targetOrigin, never "*".
    assert!(html.contains("window.parent.postMessage(message, origin)"));
    assert!(!html.contains(r#"postMessage(message, "*")"#));
}

#[tokio::test]
async fn a_session_page_describes_its_events() {
    let emu = Emulator::builder()
        .allowed_parent_origin("http://127.0.0.1:4000")
        .start()
        .await
        .unwrap();
    let (_, html) = open_portal(&emu, demo::ACME_ID, "features=sso&features=dir_sync").await;
    for id in [
        "portal-status",
        "sso-enable",
        "sso-disable",
        "scim-enable",
        "scim-disable",
        "sso-state",
        "scim-state",
        "org-name",
    ] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "missing #{id}");
    }
    assert!(html.contains("Acme Corp"));
    assert!(html.contains(r#"data-portal-state="starting""#));

    let config = portal_config(&html);
    let load = &config["onLoad"];
    assert_eq!(load["event_type"], "PORTAL_LOAD_SUCCESS");
    assert_eq!(load["object"], "session");
    assert_eq!(load["organization_id"], demo::ACME_ID);
    assert!(load["message"].is_string());
    let expiry = load["data"]["expiry"].as_str().unwrap();
    let expiry_at =
        time::OffsetDateTime::parse(expiry, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let remaining = expiry_at - time::OffsetDateTime::now_utc();
    assert!(
        remaining > time::Duration::hours(5) + time::Duration::minutes(59),
        "{remaining}"
    );

    let session = &config["session"];
    assert_eq!(session["warning"]["event_type"], "PORTAL_SESSION_WARNING");
    assert_eq!(session["warning"]["data"]["expiry"], expiry);
    assert_eq!(session["expiry"]["event_type"], "PORTAL_SESSION_EXPIRY");
    assert_eq!(session["expiry"]["organization_id"], demo::ACME_ID);
    let warn = session["warnInMs"].as_u64().unwrap();
    let end = session["expireInMs"].as_u64().unwrap();
    assert!(
        end > 6 * 3600 * 1000 - 5000 && end <= 6 * 3600 * 1000,
        "{end}"
    );
    assert_eq!(end - warn, 300_000, "warning five minutes ahead");
}

#[tokio::test]
async fn short_sessions_clamp_the_warning() {
    let emu = Emulator::builder()
        .session_lifetime(Duration::from_secs(4))
        .start()
        .await
        .unwrap();
    let (_, html) = open_portal(&emu, demo::ACME_ID, "").await;
    let session = &portal_config(&html)["session"];
    let warn = session["warnInMs"].as_u64().unwrap();
    let end = session["expireInMs"].as_u64().unwrap();
    assert!(end <= 4000 && end > 3000, "{end}");
    assert!(
        warn > 0 && warn < end,
        "warning inside the session: {warn} < {end}"
    );
}

#[tokio::test]
async fn buttons_change_the_organization_through_the_rest_api() {
    let emu = Emulator::start().await.unwrap();
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=sso&features=dir_sync").await;
    let config = portal_config(&html);
    let org_info = emu.organization(demo::GLOBEX_ID).unwrap();

    let response = toggle(&emu, &config, "sso", true).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["enabled"], true);
    let event = &body["event"];
    assert_eq!(event["event_type"], "ORGANIZATION_SSO_ENABLED");
    assert_eq!(event["object"], "connection");
    assert_eq!(event["organization_id"], demo::GLOBEX_ID);
    assert_eq!(event["data"]["connection_type"], "SSO");
    assert_eq!(event["data"]["id"], org_info.sso_connection_id.as_str());
    assert!(matches!(
        event["data"]["type"].as_str(),
        Some("OIDC" | "SAML")
    ));
    assert_eq!(event["data"]["provider"], "OKTA");
    assert_eq!(event["data"]["enabled"], true);

    let token = token(&emu).await;
    let (_, org) = get_json(
        &emu,
        &token,
        &format!("/api/v1/organizations/{}", demo::GLOBEX_ID),
    )
    .await;
    let features = &org["organization"]["settings"]["features"];
    assert!(
        features
            .as_array()
            .unwrap()
            .contains(&json!({"name": "sso", "enabled": true}))
    );

    let body: Value = toggle(&emu, &config, "dir_sync", true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["event"]["event_type"],
        "ORGANIZATION_DIRECTORY_ENABLED"
    );
    assert_eq!(body["event"]["object"], "directory");
    assert_eq!(body["event"]["data"]["directory_type"], "SCIM");
    assert_eq!(body["event"]["data"]["id"], org_info.directory_id.as_str());
    assert_eq!(body["event"]["data"]["provider"], "MICROSOFT_AD");

    let body: Value = toggle(&emu, &config, "sso", false)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["event"]["event_type"], "ORGANIZATION_SSO_DISABLED");
    assert_eq!(
        body["event"]["data"]["id"],
        org_info.sso_connection_id.as_str(),
        "stable id"
    );
    let info = emu.organization(demo::GLOBEX_ID).unwrap();
    assert!(!info.feature_enabled("sso"));
    assert!(info.feature_enabled("dir_sync"));

    // A new page shows the saved state.
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "").await;
    assert!(html.contains(r#"id="scim-state" data-enabled="true""#));
    assert!(html.contains(r#"id="sso-state" data-enabled="false""#));
}

#[tokio::test]
async fn toggles_need_the_session_secret_and_a_shown_feature() {
    let emu = Emulator::start().await.unwrap();
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "features=sso").await;
    let config = portal_config(&html);
    let url = emu.url(config["session"]["toggleUrl"].as_str().unwrap());

    let response = http()
        .post(&url)
        .json(&json!({"feature": "sso", "enabled": true}))
        .send()
        .await
        .unwrap();
    common::assert_error(response, 401, 16).await;
    let response = http()
        .post(&url)
        .header("x-portal-session", "guess")
        .json(&json!({"feature": "sso", "enabled": true}))
        .send()
        .await
        .unwrap();
    common::assert_error(response, 401, 16).await;
    // The link asked only for SSO.
    common::assert_error(toggle(&emu, &config, "dir_sync", true).await, 403, 7).await;
    common::assert_error(toggle(&emu, &config, "teleport", true).await, 400, 3).await;
    assert!(
        !emu.organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso")
    );
}

#[tokio::test]
async fn an_expired_session_refuses_toggles() {
    let emu = Emulator::builder()
        .session_lifetime(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let (_, html) = open_portal(&emu, demo::GLOBEX_ID, "").await;
    let config = portal_config(&html);
    assert_eq!(
        toggle(&emu, &config, "sso", true).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let body = common::assert_error(toggle(&emu, &config, "sso", false).await, 401, 16).await;
    assert_eq!(body["message"], "portal session expired");
    assert!(
        emu.organization(demo::GLOBEX_ID)
            .unwrap()
            .feature_enabled("sso"),
        "unchanged"
    );
}

#[tokio::test]
async fn organization_names_are_escaped() {
    let emu = Emulator::builder()
        .organization(
            "org_evil",
            "<script>alert(1)</script> & </script>",
            Some("evil"),
        )
        .start()
        .await
        .unwrap();
    let (_, html) = open_portal(&emu, "org_evil", "").await;
    assert!(!html.contains("<script>alert(1)"));
    // minijinja's HTML escaping also escapes `/`.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &lt;&#x2f;script&gt;"));
    // Exactly the two script elements the page owns.
    assert_eq!(html.matches("</script>").count(), 2);
}

/// The link exchange sets the session cookie; the page's first call needs
/// it. A page whose browser dropped the cookie (third-party cookies blocked
/// in a frame) gets 401 and, in the browser, posts `PORTAL_LOAD_FAILURE`.
#[tokio::test]
async fn the_page_needs_the_session_cookie_the_exchange_set() {
    let emu = Emulator::start().await.unwrap();
    let token = token(&emu).await;
    let location = mint_location(&emu, &token, demo::ACME_ID, "").await;
    let response = http().get(&location).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let key = location.rsplit('/').next().unwrap().to_owned();
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let value = set_cookie
        .strip_prefix("scalekit_portal_session=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    for attribute in [
        format!("Path=/magicLink/{key}"),
        "HttpOnly".to_owned(),
        "Secure".to_owned(),
        "SameSite=None".to_owned(),
    ] {
        assert!(set_cookie.contains(&attribute), "{set_cookie}");
    }
    let html = response.text().await.unwrap();
    let config = portal_config(&html);
    assert_eq!(
        config["session"]["sessionUrl"],
        format!("/magicLink/{key}/session")
    );
    assert_eq!(
        config["session"]["failure"]["event_type"],
        "PORTAL_LOAD_FAILURE"
    );
    assert!(
        !html.contains(&value),
        "the HttpOnly cookie is not in the page"
    );

    let session_url = emu.url(&format!("/magicLink/{key}/session"));
    let failures = emu.stats().portal_load_failures;
    // No cookie, or another one: 401, counted as a failed load.
    for cookie in [None, Some("scalekit_portal_session=forged")] {
        let mut request = http().get(&session_url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], 16, "{body}");
    }
    assert_eq!(emu.stats().portal_load_failures, failures + 2);
    // With the cookie: the session.
    let response = http()
        .get(&session_url)
        .header(
            "cookie",
            format!("other=1; scalekit_portal_session={value}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["organization_id"], demo::ACME_ID);
    // The cookie of one link does not open another link's session.
    let other = mint_location(&emu, &token, demo::ACME_ID, "").await;
    http().get(&other).send().await.unwrap();
    let other_key = other.rsplit('/').next().unwrap();
    let response = http()
        .get(emu.url(&format!("/magicLink/{other_key}/session")))
        .header("cookie", format!("scalekit_portal_session={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
