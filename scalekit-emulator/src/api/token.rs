//! The OAuth 2.0 client-credentials token endpoint and the bearer-token check
//! in front of the REST API.

use axum::{
    Json,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::{ApiError, OAuthError};
use crate::format::ids;
use crate::state::AppState;
use crate::store::tokens::TokenRejection;

/// `POST /oauth/token` with a form body
/// `grant_type=client_credentials&client_id=...&client_secret=...`.
pub(crate) async fn token_endpoint(State(state): State<AppState>, body: Bytes) -> Response {
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (key, value) in url::form_urlencoded::parse(&body) {
        let slot = match key.as_ref() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut client_secret,
            _ => continue,
        };
        if slot.is_some() {
            // RFC 6749 §3.2: parameters must not be repeated.
            return OAuthError::invalid_request(format!("parameter {key} is repeated"))
                .into_response();
        }
        *slot = Some(value.into_owned());
    }

    match grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return OAuthError::unsupported_grant_type(format!(
                "grant_type {other:?} is not supported; use client_credentials"
            ))
            .into_response();
        }
        None => return OAuthError::invalid_request("grant_type is missing").into_response(),
    }

    let config = &state.config;
    let id_ok = client_id
        .as_deref()
        .is_some_and(|id| ids::constant_time_eq(id.as_bytes(), config.client_id.as_bytes()));
    let secret_ok = client_secret.as_deref().is_some_and(|secret| {
        ids::constant_time_eq(secret.as_bytes(), config.client_secret.as_bytes())
    });
    if !(id_ok && secret_ok) {
        tracing::debug!(
            client_id_matches = id_ok,
            "token request refused: bad client credentials"
        );
        return OAuthError::invalid_client("client authentication failed").into_response();
    }

    let lifetime = config.token_lifetime;
    let access_token = state.store.issue_token(lifetime);
    let mut response = Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "scope": "openid",
    }))
    .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Extracts the token from `Authorization: Bearer <token>` (scheme matched
/// case-insensitively).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The bearer-token check of `/api/v1/...` and of every gRPC call: runs
/// the request if it carries a valid, unexpired, unrevoked bearer token,
/// else answers `refuse` with the code-16 error that says why (REST renders
/// it as HTTP 401, gRPC as status 16).
pub(crate) async fn require_bearer(
    state: &AppState,
    request: Request,
    next: Next,
    refuse: fn(ApiError) -> Response,
) -> Response {
    match token_verdict(state, bearer_token(request.headers())) {
        Ok(()) => next.run(request).await,
        Err(error) => refuse(error),
    }
}

/// Whether `token` (from [`bearer_token`]) is valid, unexpired and
/// unrevoked; otherwise the code-16 error that says why.
fn token_verdict(state: &AppState, token: Option<&str>) -> Result<(), ApiError> {
    match token {
        None => Err(TokenRejection::Empty),
        Some(token) => state.store.check_token(token),
    }
    .map_err(|rejection| ApiError::unauthenticated(rejection.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_header() {
        let request = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            headers
        };
        assert_eq!(bearer_token(&request("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&request("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&request("Basic abc")), None);
        assert_eq!(bearer_token(&request("Bearer ")), None);
    }
}
