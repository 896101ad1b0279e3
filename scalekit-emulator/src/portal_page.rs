//! `GET /magicLink/{id}`: the admin-portal page.
//!
//! The first load of an unused, unexpired link opens a session and renders
//! the settings page; anything else renders the failure page. Both carry
//! `Content-Security-Policy: frame-ancestors <registered origins>` (or
//! `'none'`) and post their events to each registered parent origin.

use std::time::{Duration, Instant};

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderName, HeaderValue, header},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::html::{escape, script_json};
use crate::ids;
use crate::origins::ParentOrigins;
use crate::portal_events::{self, Vocabulary};
use crate::portal_store::Session;
use crate::portal_toggle::shown_features;
use crate::state::{AppState, lock};
use crate::timefmt::rfc3339;

const SCRIPT: &str = include_str!("assets/portal.js");
const STYLE: &str = include_str!("assets/portal.css");

/// The longest delay a browser timer takes (2^31 - 1 ms).
const MAX_TIMER_MS: u128 = 2_147_483_647;

/// Texts the script shows in `#portal-status`.
fn texts() -> Value {
    json!({
        "expired": "Your session has expired. Reload the page from the application to continue.",
        "warning": "Your session expires in a few minutes.",
        "saving": "Saving…",
        "failed": "Could not save:",
        "unreachable": "Could not reach the server.",
    })
}

/// How long before the end of a session the warning is posted: the
/// configured lead, or half the session when the lead is not shorter than it.
pub(crate) fn warning_lead(session: Duration, lead: Duration) -> Duration {
    if lead < session { lead } else { session / 2 }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis().min(MAX_TIMER_MS)).unwrap_or(0)
}

/// Handles a page load.
pub(crate) async fn portal_page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Response {
    let key = path.map(|Path(key)| key).unwrap_or_default();
    let origins = state.parent_origins();
    let vocabulary = Vocabulary::from_legacy_flag(state.legacy_events());
    let session = lock(&state.portal).load(&key, state.config.session_lifetime);
    let page = session.and_then(|session| {
        let organizations = lock(&state.organizations);
        let organization = organizations.get(&session.organization_id)?;
        let (show_sso, show_scim) = shown_features(&session.features);
        Some(SessionPage {
            key: &key,
            organization_name: organization.display_name.clone(),
            sso_enabled: organization.feature(crate::organization::SSO),
            sso_detail: format!(
                "{} connection with Okta · {}",
                organization.connection_type, organization.connection_id
            ),
            scim_enabled: organization.feature(crate::organization::DIR_SYNC),
            scim_detail: format!("Microsoft AD directory · {}", organization.directory_id),
            show_sso,
            show_scim,
            extra_features: session
                .features
                .iter()
                .filter(|f| *f != "sso" && *f != "dir_sync")
                .cloned()
                .collect(),
            session,
        })
    });
    match page {
        Some(page) => {
            state.counters.portal_session_started();
            let lead = warning_lead(
                state.config.session_lifetime,
                state.config.session_warning_before,
            );
            render(&origins, |nonce| {
                page.html(nonce, &origins, vocabulary, lead)
            })
        }
        None => {
            state.counters.portal_load_failed();
            render(&origins, |nonce| failure_html(nonce, &origins, vocabulary))
        }
    }
}

/// Wraps page HTML with the security headers.
fn render(origins: &ParentOrigins, body: impl FnOnce(&str) -> String) -> Response {
    let nonce = ids::random_secret();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors {}",
        origins.frame_ancestors()
    );
    let mut response = Html(body(&nonce)).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// The shared document frame.
fn document(nonce: &str, title: &str, state: &str, main: &str, config: &Value) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style nonce="{nonce}">{STYLE}</style>
</head>
<body data-portal-state="{state}">
<header class="bar"><span class="logo" aria-hidden="true">&#9670;</span> Admin portal <span class="env">Scalekit emulator</span></header>
<main>
{main}
</main>
<script type="application/json" id="portal-config">{config}</script>
<script nonce="{nonce}">{SCRIPT}</script>
</body>
</html>
"#,
        title = escape(title),
        config = script_json(config),
    )
}

fn failure_html(nonce: &str, origins: &ParentOrigins, vocabulary: Vocabulary) -> String {
    let config = json!({
        "parentOrigins": origins.as_slice(),
        "onLoad": portal_events::load_failure(vocabulary),
        "session": null,
        "text": texts(),
    });
    let main = r#"<h1 id="org-name">Link expired</h1>
<p id="portal-status" role="status">This admin portal link has expired or was already used. Open the settings page of the application again to get a new one.</p>"#;
    document(
        nonce,
        "Admin portal · link expired",
        "failed",
        main,
        &config,
    )
}

/// What a session page shows.
struct SessionPage<'a> {
    key: &'a str,
    session: Session,
    organization_name: String,
    sso_enabled: bool,
    sso_detail: String,
    scim_enabled: bool,
    scim_detail: String,
    show_sso: bool,
    show_scim: bool,
    extra_features: Vec<String>,
}

fn section(prefix: &str, heading: &str, detail: &str, feature: &str, enabled: bool) -> String {
    let state = if enabled { "Enabled" } else { "Disabled" };
    format!(
        r#"<section class="card" id="{prefix}-section" aria-labelledby="{prefix}-heading">
<h2 id="{prefix}-heading">{heading}</h2>
<p><code>{detail}</code></p>
<p>Status: <span class="state" id="{prefix}-state" data-enabled="{enabled}">{state}</span></p>
<div class="actions">
<button type="button" class="primary" id="{prefix}-enable" data-feature="{feature}" data-enabled="true">Enable</button>
<button type="button" id="{prefix}-disable" data-feature="{feature}" data-enabled="false">Disable</button>
</div>
</section>"#,
        detail = escape(detail),
    )
}

impl SessionPage<'_> {
    fn html(
        &self,
        nonce: &str,
        origins: &ParentOrigins,
        vocabulary: Vocabulary,
        lead: Duration,
    ) -> String {
        let organization_id = &self.session.organization_id;
        let expiry = rfc3339(self.session.expiry);
        let remaining = self
            .session
            .expires_at
            .saturating_duration_since(Instant::now());
        let config = json!({
            "parentOrigins": origins.as_slice(),
            "onLoad": portal_events::load_success(vocabulary, organization_id, &expiry),
            "session": {
                "toggleUrl": format!("/magicLink/{}/features", self.key),
                "secret": self.session.secret,
                "warning": portal_events::session_warning(vocabulary, organization_id, &expiry),
                "expiry": portal_events::session_expiry(vocabulary, organization_id, &expiry),
                "warnInMs": millis(remaining.saturating_sub(lead)),
                "expireInMs": millis(remaining),
            },
            "text": texts(),
        });
        let mut main = format!(
            r#"<h1 id="org-name">{name}</h1>
<p class="muted">Organization <code id="org-id">{id}</code> · session until <time id="session-expiry" datetime="{expiry}">{expiry}</time></p>
<p id="portal-status" role="status">Configure single sign-on and directory sync for your organization.</p>
"#,
            name = escape(&self.organization_name),
            id = escape(organization_id),
        );
        if self.show_sso {
            main.push_str(&section(
                "sso",
                "Single sign-on (SSO)",
                &self.sso_detail,
                "sso",
                self.sso_enabled,
            ));
        }
        if self.show_scim {
            main.push_str(&section(
                "scim",
                "Directory sync (SCIM)",
                &self.scim_detail,
                "dir_sync",
                self.scim_enabled,
            ));
        }
        if !self.extra_features.is_empty() {
            main.push_str(&format!(
                r#"<p class="muted" id="other-features">Also requested: {}</p>"#,
                escape(&self.extra_features.join(", "))
            ));
        }
        let title = format!("Admin portal · {}", self.organization_name);
        document(nonce, &title, "active", &main, &config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_lead_is_clamped_for_short_sessions() {
        let min = Duration::from_secs(60);
        assert_eq!(warning_lead(6 * 60 * min, 5 * min), 5 * min);
        assert_eq!(
            warning_lead(Duration::from_secs(4), 5 * min),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn failure_page_escapes_config_and_names_no_organization() {
        let mut origins = ParentOrigins::default();
        origins.add("http://127.0.0.1:4000").unwrap();
        let html = failure_html("n0nce", &origins, Vocabulary::Current);
        assert!(html.contains("PORTAL_LOAD_FAILURE"));
        assert!(html.contains("SESSION_EXPIRED"));
        assert!(!html.contains("organization_id"));
        assert!(html.contains(r#"<script nonce="n0nce">"#));
    }
}
