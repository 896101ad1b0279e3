//! The portal session's cookie: set by the link exchange
//! (`GET /magicLink/{id}`), and asked for by the page's first call,
//! `GET /magicLink/{id}/session`.
//!
//! Like Scalekit's portal, the page cannot start without it. The cookie is
//! `SameSite=None; Secure` so that a frame on another site gets it, unless
//! the browser blocks third-party cookies (Safari always, Chromium when set
//! to): then the exchange's `Set-Cookie` is dropped inside the frame, the
//! session call answers 401, and the page posts `PORTAL_LOAD_FAILURE` to its
//! parent, the way a used link does. In a tab of its own the portal is
//! first-party and the cookie works. Browsers treat `http://127.0.0.1` and
//! `http://localhost` as secure, so `Secure` holds without TLS on loopback.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::path_param;
use crate::format::timefmt::rfc3339;
use crate::state::AppState;
use crate::store::portal_sessions::SessionError;

/// The cookie's name.
pub(crate) const COOKIE: &str = "scalekit_portal_session";

/// The `Set-Cookie` value for the session `key` opened: scoped to that
/// link's paths, invisible to scripts, sent cross-site.
pub(crate) fn set_cookie(key: &str, value: &str) -> String {
    format!("{COOKIE}={value}; Path=/magicLink/{key}; HttpOnly; Secure; SameSite=None")
}

/// The session cookie's value in `headers`, if any.
fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// `GET /magicLink/{id}/session`: 200 with the session's organization and
/// expiry when the request carries the session's cookie; 401 (code 16)
/// without it, with a wrong one, or after the session ended.
pub(crate) async fn check_session(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = path_param(path)?;
    let Some(cookie) = cookie_value(&headers) else {
        state.store.counters.portal_load_failed();
        return Err(ApiError::unauthenticated(
            "no portal session cookie: the browser did not keep it (third-party cookies blocked?)",
        ));
    };
    let session = state.store.session_by_cookie(&key, cookie).map_err(|err| {
        state.store.counters.portal_load_failed();
        match err {
            SessionError::Expired => ApiError::unauthenticated("portal session expired"),
            SessionError::Invalid => ApiError::unauthenticated("invalid portal session"),
        }
    })?;
    let mut response = Json(json!({
        "organization_id": session.organization_id,
        "expiry": rfc3339(session.expiry),
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_scoped_to_its_link() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "a=1; scalekit_portal_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie_value(&headers), Some("abc"));
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "scalekit_portal_sessionx=1".parse().unwrap(),
        );
        assert_eq!(cookie_value(&headers), None);
        let set = set_cookie("k-1", "v");
        assert_eq!(
            set,
            "scalekit_portal_session=v; Path=/magicLink/k-1; HttpOnly; Secure; SameSite=None"
        );
    }
}
