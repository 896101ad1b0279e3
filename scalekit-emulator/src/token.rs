//! The OAuth 2.0 client-credentials token endpoint and the bearer-token check
//! in front of the REST API.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::{
    Json,
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::errors::{ApiError, OAuthError};
use crate::ids;
use crate::state::{AppState, lock};

/// Why a bearer token was refused; the text is the error `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    Empty,
    Unknown,
    Expired,
    Revoked,
}

impl TokenRejection {
    fn message(self) -> &'static str {
        match self {
            Self::Empty => "Token empty",
            Self::Unknown => "invalid token",
            Self::Expired => "token expired",
            Self::Revoked => "token revoked",
        }
    }
}

#[derive(Debug)]
struct TokenRecord {
    expires_at: Instant,
    revoked: bool,
}

/// Issued access tokens.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, TokenRecord>,
    /// The store is swept for dead tokens when it reaches this size.
    sweep_at: usize,
}

/// The smallest store that is swept.
const MIN_SWEEP_AT: usize = 1024;

/// How long an expired or revoked token is still remembered (so the error
/// says "expired" rather than "invalid").
const REMEMBER_DEAD_TOKENS: Duration = Duration::from_secs(3600);

impl TokenStore {
    /// Issues a new random token valid for `lifetime`.
    pub(crate) fn issue(&mut self, lifetime: Duration) -> String {
        let now = Instant::now();
        // Sweep only when the store has doubled since the last sweep: issuing
        // stays O(1) amortized (sweeping on every issue walked every token,
        // and a client fetching a token per request slowed down as it went).
        if self.tokens.len() >= self.sweep_at {
            self.tokens.retain(|_, record| {
                record
                    .expires_at
                    .checked_add(REMEMBER_DEAD_TOKENS)
                    .is_none_or(|forget_at| forget_at > now)
            });
            self.sweep_at = (self.tokens.len() * 2).max(MIN_SWEEP_AT);
        }
        let token = format!("skt_{}", ids::random_secret());
        let expires_at = now
            .checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                expires_at,
                revoked: false,
            },
        );
        token
    }

    /// Checks a presented token.
    pub(crate) fn check(&self, token: &str) -> Result<(), TokenRejection> {
        let record = self.tokens.get(token).ok_or(TokenRejection::Unknown)?;
        if record.revoked {
            Err(TokenRejection::Revoked)
        } else if Instant::now() >= record.expires_at {
            Err(TokenRejection::Expired)
        } else {
            Ok(())
        }
    }

    /// Every token still remembered (live, expired or revoked).
    pub(crate) fn remembered(&self) -> Vec<String> {
        self.tokens.keys().cloned().collect()
    }

    /// Revokes every token issued so far; returns how many were not yet revoked.
    pub(crate) fn revoke_all(&mut self) -> usize {
        let mut revoked = 0;
        for record in self.tokens.values_mut() {
            if !record.revoked {
                record.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }
}

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
    let access_token = lock(&state.tokens).issue(lifetime);
    state.counters.token_issued();
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
fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware for `/api/v1/...`: a valid, unexpired, unrevoked bearer token
/// or HTTP 401 with code 16.
pub(crate) async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let verdict = match bearer_token(&request) {
        None => Err(TokenRejection::Empty),
        Some(token) => lock(&state.tokens).check(token),
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err(rejection) => ApiError::unauthenticated(rejection.message()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_revoke() {
        let mut store = TokenStore::default();
        let live = store.issue(Duration::from_secs(60));
        let dead = store.issue(Duration::ZERO);
        assert_eq!(store.check(&live), Ok(()));
        assert_eq!(store.check(&dead), Err(TokenRejection::Expired));
        assert_eq!(store.check("skt_nope"), Err(TokenRejection::Unknown));
        let mut remembered = store.remembered();
        remembered.sort();
        let mut issued = vec![live.clone(), dead.clone()];
        issued.sort();
        assert_eq!(remembered, issued);
        assert_eq!(store.revoke_all(), 2);
        assert_eq!(store.check(&live), Err(TokenRejection::Revoked));
        let fresh = store.issue(Duration::from_secs(60));
        assert_eq!(store.check(&fresh), Ok(()));
    }

    #[test]
    fn parses_bearer_header() {
        let request = |value: &str| {
            Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        assert_eq!(bearer_token(&request("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&request("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&request("Basic abc")), None);
        assert_eq!(bearer_token(&request("Bearer ")), None);
    }
}
