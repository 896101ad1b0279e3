//! Acting as an organization's IT admin inside the emulator's portal, over
//! HTTP: what the portal page's buttons do, without a browser.
//!
//! [`PortalSession::open`] mints a link with the kit's client, loads the
//! portal page and reads the page's session (its toggle and domain URLs and
//! its per-session secret); the methods then call what the buttons call.

use scalekit_emulator::Emulator;
use scalekit_tower::{Client, Feature, OrganizationId};
use serde_json::{Value, json};

/// One open portal session.
#[derive(Debug)]
pub struct PortalSession {
    http: reqwest::Client,
    base: String,
    toggle_url: String,
    domains_url: String,
    secret: String,
}

impl PortalSession {
    /// Mints a link for `organization` asking for `features`, loads it, and
    /// returns the session the page opened.
    pub async fn open(
        emulator: &Emulator,
        client: &Client,
        organization: &OrganizationId,
        features: &[Feature],
    ) -> Self {
        let link = client
            .generate_portal_link(organization, features)
            .await
            .expect("a portal link is minted");
        let http = reqwest::Client::new();
        let html = http
            .get(link.location().as_str())
            .send()
            .await
            .expect("the portal page loads")
            .text()
            .await
            .expect("the portal page has a body");
        let config = page_config(&html);
        let session = &config["session"];
        let text = |key: &str| {
            session[key]
                .as_str()
                .unwrap_or_else(|| panic!("the portal page's session has no {key}: {config}"))
                .to_owned()
        };
        Self {
            http,
            base: emulator.base_url().to_owned(),
            toggle_url: text("toggleUrl"),
            domains_url: text("domainsUrl"),
            secret: text("secret"),
        }
    }

    /// Presses a section's Enable (`true`) or Disable button: `feature` is
    /// `sso` or `dir_sync`.
    pub async fn set(&self, feature: &str, enabled: bool) {
        self.post(
            &self.toggle_url,
            Some(json!({"feature": feature, "enabled": enabled})),
        )
        .await;
    }

    /// Adds `domain` in the domain section; returns its id (`dom_...`).
    pub async fn add_domain(&self, domain: &str) -> String {
        let answer = self
            .post(&self.domains_url, Some(json!({"domain": domain})))
            .await;
        answer["domain"]["id"]
            .as_str()
            .expect("the added domain has an id")
            .to_owned()
    }

    /// Presses a domain's Verify button.
    pub async fn verify_domain(&self, id: &str) {
        self.post(&format!("{}/{id}/verify", self.domains_url), None)
            .await;
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-portal-session", &self.secret);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the portal answers");
        let status = response.status();
        let text = response
            .text()
            .await
            .expect("the portal's answer has a body");
        assert!(
            status.is_success(),
            "the portal refused {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// The JSON the portal page carries in `<script id="portal-config">`.
fn page_config(html: &str) -> Value {
    let start_tag = r#"<script type="application/json" id="portal-config">"#;
    let start = html
        .find(start_tag)
        .expect("the portal page has its config")
        + start_tag.len();
    let end = start + html[start..].find("</script>").expect("the config ends");
    serde_json::from_str(&html[start..end]).expect("the portal config is JSON")
}
