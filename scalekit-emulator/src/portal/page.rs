//! `GET /magicLink/{id}`: the admin-portal page.
//!
//! The first load of an unused, unexpired link opens a session, sets its
//! cookie and renders the settings page; anything else renders the failure
//! page. Both carry `Content-Security-Policy: frame-ancestors <registered
//! origins>` (or `'none'`) and post their events to each registered parent
//! origin. The settings page starts (posts `PORTAL_LOAD_SUCCESS`) only once
//! its cookie proves the session ([`session_cookie`](super::session_cookie));
//! without it, it posts `PORTAL_LOAD_FAILURE` like the failure page.

use std::time::{Duration, Instant};

use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderName, HeaderValue, header},
    response::{Html, IntoResponse, Response},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::format::ids;
use crate::format::timefmt::rfc3339;
use crate::portal::events::{self, Vocabulary};
use crate::portal::modules::Modules;
use crate::portal::session_cookie;
use crate::portal::templates::{self, FAILURE, SESSION, domain_views};
use crate::state::AppState;
use crate::store::organizations::{DIR_SYNC, DOMAIN_VERIFICATION, Organization, SSO};
use crate::store::parent_origins::ParentOrigins;
use crate::store::portal_sessions::Session;

/// The longest delay a browser timer takes (2^31 - 1 ms).
const MAX_TIMER_MS: u128 = 2_147_483_647;

/// Texts the script shows in `#portal-status`.
fn texts() -> Value {
    json!({
        "expired": "Your session has expired. Reload the page from the application to continue.",
        "cookieBlocked": "This portal needs its session cookie, which the browser blocks in this frame. Open the portal in a new tab from the application.",
        // The script puts the time left in `{remaining}` ("10 seconds").
        "warning": "Your session expires in {remaining}. Save your changes; the application will open a new one.",
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
    let origins = state.store.parent_origins();
    let vocabulary = Vocabulary::from_legacy_flag(state.legacy_events());
    let opened = state
        .store
        .open_session(&key, state.config.session_lifetime)
        .and_then(|session| {
            let organization = state.store.organization(&session.organization_id)?;
            Some((session, organization))
        });
    let nonce = ids::random_secret();
    let mut cookie = None;
    let html = match opened {
        Some((session, organization)) => {
            cookie = Some(session_cookie::set_cookie(&key, &session.cookie));
            state.store.counters.portal_session_started();
            let lead = warning_lead(
                state.config.session_lifetime,
                state.config.session_warning_before,
            );
            let scim_endpoint =
                crate::api::directories::endpoint(&state, &organization.directory_id);
            let scim_token_hint = state
                .store
                .read_directory(&organization.directory_id, |contents| {
                    contents
                        .secret
                        .as_ref()
                        .map(|secret| secret.suffix().to_owned())
                })
                .ok()
                .flatten();
            let page = SessionPage {
                key: &key,
                session: &session,
                organization: &organization,
                scim_endpoint,
                scim_token_hint,
            };
            page.html(&nonce, &origins, vocabulary, lead)
        }
        None => {
            state.store.counters.portal_load_failed();
            failure_html(&nonce, &origins, vocabulary)
        }
    };
    let mut response = with_security_headers(&origins, &nonce, html);
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Wraps page HTML with the security headers.
fn with_security_headers(origins: &ParentOrigins, nonce: &str, html: String) -> Response {
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors {}",
        origins.frame_ancestors()
    );
    let mut response = Html(html).into_response();
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

fn failure_html(nonce: &str, origins: &ParentOrigins, vocabulary: Vocabulary) -> String {
    let config = json!({
        "parentOrigins": origins.as_slice(),
        "onLoad": events::load_failure(vocabulary),
        "session": null,
        "text": texts(),
    });
    templates::render(
        FAILURE,
        &json!({ "nonce": nonce, "portal_state": "failed", "config": config }),
    )
}

/// An SSO or directory section.
#[derive(Debug, Serialize)]
struct ToggleSection {
    prefix: &'static str,
    heading: &'static str,
    detail: String,
    feature: &'static str,
    enabled: bool,
}

/// What a session page shows.
struct SessionPage<'a> {
    key: &'a str,
    session: &'a Session,
    organization: &'a Organization,
    /// The directory's SCIM base URL.
    scim_endpoint: String,
    /// The last characters of its current token, if it has one.
    scim_token_hint: Option<String>,
}

impl SessionPage<'_> {
    fn html(
        &self,
        nonce: &str,
        origins: &ParentOrigins,
        vocabulary: Vocabulary,
        lead: Duration,
    ) -> String {
        let organization = self.organization;
        let organization_id = &organization.id;
        let expiry = rfc3339(self.session.expiry);
        let remaining = self
            .session
            .expires_at
            .saturating_duration_since(Instant::now());
        let config = json!({
            "parentOrigins": origins.as_slice(),
            "onLoad": events::load_success(vocabulary, organization_id, &expiry),
            "session": {
                "sessionUrl": format!("/magicLink/{}/session", self.key),
                "failure": events::load_failure(vocabulary),
                "toggleUrl": format!("/magicLink/{}/features", self.key),
                "domainsUrl": format!("/magicLink/{}/domains", self.key),
                "directoryTokenUrl": format!("/magicLink/{}/directory/token", self.key),
                "secret": self.session.secret,
                "warning": events::session_warning(vocabulary, organization_id, &expiry),
                "expiry": events::session_expiry(vocabulary, organization_id, &expiry),
                "warnInMs": millis(remaining.saturating_sub(lead)),
                "expireInMs": millis(remaining),
            },
            "text": texts(),
        });
        let modules = Modules::shown(&self.session.features, organization);
        let mut toggle_sections = Vec::new();
        if modules.sso {
            toggle_sections.push(ToggleSection {
                prefix: "sso",
                heading: "Single sign-on (SSO)",
                detail: format!(
                    "{} connection with Okta · {}",
                    organization.connection_type, organization.connection_id
                ),
                feature: SSO,
                enabled: organization.feature(SSO),
            });
        }
        if modules.directory {
            toggle_sections.push(ToggleSection {
                prefix: "scim",
                heading: "Directory sync (SCIM)",
                detail: format!("Microsoft AD directory · {}", organization.directory_id),
                feature: DIR_SYNC,
                enabled: organization.feature(DIR_SYNC),
            });
        }
        // Requested features without a section on this page.
        let extra_features: Vec<&String> = self
            .session
            .features
            .iter()
            .filter(|f| match f.as_str() {
                SSO => !modules.sso,
                DIR_SYNC => !modules.directory,
                DOMAIN_VERIFICATION => !modules.domains,
                _ => true,
            })
            .collect();
        templates::render(
            SESSION,
            &json!({
                "nonce": nonce,
                "portal_state": "starting",
                "config": config,
                "organization_name": organization.display_name,
                "organization_id": organization_id,
                "expiry": expiry,
                "toggle_sections": toggle_sections,
                "show_domains": modules.domains,
                "scim_endpoint": modules.directory.then_some(&self.scim_endpoint),
                "scim_token_hint": self.scim_token_hint,
                "domains": domain_views(&organization.domains),
                "extra_features": extra_features,
            }),
        )
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
        assert!(html.contains(r#"id="org-name""#));
    }

    #[test]
    fn config_json_cannot_close_its_script_element() {
        let mut origins = ParentOrigins::default();
        origins.add("http://127.0.0.1:4000").unwrap();
        let html = failure_html("n", &origins, Vocabulary::Current);
        let start = html.find(r#"id="portal-config">"#).unwrap();
        let end = start + html[start..].find("</script>").unwrap();
        let json = &html[start + r#"id="portal-config">"#.len()..end];
        assert!(!json.contains('<') && !json.contains('>'));
        let parsed: Value = serde_json::from_str(json).unwrap();
        assert_eq!(parsed["parentOrigins"][0], "http://127.0.0.1:4000");
    }
}
