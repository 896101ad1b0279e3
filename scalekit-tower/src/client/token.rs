//! The access token: fetching it, and the cache with early refresh, one
//! refresh in flight, refresh on 401.
//!
//! The cache holds at most one token. A caller that finds it fresh takes it
//! without waiting. A caller that finds it missing or expired takes the refresh
//! lock and fetches; everyone else waits on the lock and then finds the new
//! token (single flight). In the last part of a token's life (the refresh
//! margin) one caller refreshes early while the others keep using the still
//! valid token. The lock is a plain async mutex: a fetching caller that is
//! cancelled drops its guard and the next waiter fetches, so a dropped future
//! can never leave the cache stuck. A caller that waited while another
//! fetched takes the token that fetch brought, however short its life: a
//! token is never refetched for callers that were queued for it.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::HeaderValue;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;

use super::transport::{Replay, Transport};
use super::{parse_json, record_outcome};
use crate::config::Config;
use crate::error::Error;

/// The most a token is refreshed before it expires.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// The longest a token is used, whatever `expires_in` says.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The shortest: a token said to expire at once (`expires_in: 0`) is still
/// used this long; if Scalekit refuses it sooner, the 401 path refreshes it.
const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(1);
/// The lifetime assumed when the token endpoint does not say (Scalekit
/// issues day-long tokens).
const ASSUMED_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Fetches a token from `{environment}/oauth/token` (client credentials).
pub(crate) async fn fetch(
    transport: &Transport,
    config: &Config,
    deadline: Instant,
) -> Result<FetchedToken, Error> {
    let span = tracing::info_span!(
        "scalekit.fetch_token",
        latency_ms = tracing::field::Empty,
        outcome = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut url = config.environment_url().clone();
    url.set_path("/oauth/token");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", config.client_id()),
        ("client_secret", config.client_secret()),
    ];
    let result = async {
        let answer = transport
            .send_with_retries(deadline, Replay::Always, || {
                transport.http().post(url.clone()).form(&form)
            })
            .await
            .map_err(token_endpoint_error)?;
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            /// A number of seconds; some servers send it as a float (`86399.0`).
            #[serde(default)]
            expires_in: Option<f64>,
        }
        let parsed: TokenResponse = parse_json(&answer)?;
        if parsed.access_token.is_empty() {
            return Err(Error::UnexpectedResponse {
                status: Some(answer.status),
                reason: "token response has an empty access_token".into(),
            });
        }
        FetchedToken::new(parsed.access_token, lifetime(parsed.expires_in)).ok_or(
            Error::UnexpectedResponse {
                status: Some(answer.status),
                reason: "the access token contains characters a header cannot carry".into(),
            },
        )
    }
    .instrument(span.clone())
    .await;
    record_outcome(&span, started, &result);
    result
}

/// `expires_in` as a lifetime within [`MIN_TOKEN_LIFETIME`, `MAX_TOKEN_LIFETIME`].
fn lifetime(expires_in: Option<f64>) -> Duration {
    let Some(secs) = expires_in else {
        return ASSUMED_TOKEN_LIFETIME;
    };
    // NaN and negatives end up at the floor; huge values at the cap.
    Duration::try_from_secs_f64(secs.max(0.0))
        .unwrap_or(MAX_TOKEN_LIFETIME)
        .clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME)
}

/// On the token endpoint, 400/401/403/404 all mean the credentials or the
/// environment URL are wrong.
fn token_endpoint_error(err: Error) -> Error {
    match err {
        Error::InvalidArgument { api, .. } => Error::BadCredentials {
            status: http::StatusCode::BAD_REQUEST,
            api: api.unwrap_or_default(),
        },
        Error::PermissionDenied { api } => Error::BadCredentials {
            status: http::StatusCode::FORBIDDEN,
            api,
        },
        Error::OrganizationNotFound { .. } => Error::UnexpectedResponse {
            status: Some(http::StatusCode::NOT_FOUND),
            reason:
                "the token endpoint /oauth/token does not exist: check SCALEKIT_ENVIRONMENT_URL"
                    .into(),
        },
        other => other,
    }
}

/// A token as fetched from the token endpoint.
pub(crate) struct FetchedToken {
    authorization: HeaderValue,
    expires_in: Duration,
}

impl FetchedToken {
    /// A token as the token endpoint sent it; `None` if it cannot be sent
    /// back in an `Authorization` header.
    pub(crate) fn new(value: String, expires_in: Duration) -> Option<Self> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {value}")).ok()?;
        authorization.set_sensitive(true);
        Some(Self {
            authorization,
            expires_in,
        })
    }
}

/// A cached access token.
pub(crate) struct AccessToken {
    /// `Bearer <token>`, built once per token rather than per request.
    authorization: HeaderValue,
    generation: u64,
    refresh_at: Instant,
    expires_at: Instant,
}

impl AccessToken {
    #[cfg(test)]
    pub(crate) fn secret(&self) -> &str {
        let header = self.authorization.to_str().unwrap_or_default();
        header.strip_prefix("Bearer ").unwrap_or(header)
    }

    /// The `Authorization` header value (marked sensitive).
    pub(crate) fn authorization(&self) -> &HeaderValue {
        &self.authorization
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"[redacted]")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// A single-token cache with single-flight refresh.
#[derive(Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<Arc<AccessToken>>>,
    refresh: Mutex<u64>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.snapshot().is_some();
        f.debug_struct("TokenCache")
            .field("cached", &cached)
            .finish()
    }
}

enum Freshness {
    Fresh(Arc<AccessToken>),
    /// Valid, but inside the refresh margin.
    Aging(Arc<AccessToken>),
    Unusable,
}

impl TokenCache {
    fn snapshot(&self) -> Option<Arc<AccessToken>> {
        // A poisoned lock only means a panic elsewhere while holding it; the
        // Option inside is always consistent, so keep using it.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn freshness(&self) -> Freshness {
        let now = Instant::now();
        match self.snapshot() {
            Some(token) if now < token.refresh_at => Freshness::Fresh(token),
            Some(token) if now < token.expires_at => Freshness::Aging(token),
            _ => Freshness::Unusable,
        }
    }

    /// Returns a usable token, fetching one with `fetch` when needed.
    pub(crate) async fn get<F, Fut, E>(&self, fetch: F) -> Result<Arc<AccessToken>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FetchedToken, E>>,
    {
        let guard = match self.freshness() {
            Freshness::Fresh(token) => return Ok(token),
            Freshness::Aging(token) => match self.refresh.try_lock() {
                // Someone else is refreshing early: the old token still works.
                Err(_) => return Ok(token),
                Ok(guard) => guard,
            },
            Freshness::Unusable => {
                let seen = self.snapshot().map_or(0, |token| token.generation);
                let guard = self.refresh.lock().await;
                // A fetch finished while this caller waited: its token is for
                // this caller too, even if it is already past its refresh time
                // (a very short `expires_in`). Fetching again would make the
                // queued callers fetch one after another until they time out.
                if let Some(token) = self.snapshot()
                    && token.generation > seen
                {
                    return Ok(token);
                }
                guard
            }
        };
        // Whoever held the lock before us may have refreshed already.
        let stale = match self.freshness() {
            Freshness::Fresh(token) => return Ok(token),
            Freshness::Aging(token) => Some(token),
            Freshness::Unusable => None,
        };
        let mut guard = guard;
        match fetch().await {
            Ok(fetched) => {
                *guard += 1;
                let token = Arc::new(make_token(fetched, *guard));
                *self
                    .current
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(token.clone());
                Ok(token)
            }
            // An early refresh failed but the old token is still valid: use it,
            // the next caller tries again.
            Err(err) => match stale {
                Some(token) => {
                    tracing::warn!(
                        "early access-token refresh failed; using the current token until it expires"
                    );
                    Ok(token)
                }
                None => Err(err),
            },
        }
    }

    /// Drops the cached token if it is still the one of `generation` (the one
    /// an API call just saw refused), so concurrent 401s cause one refresh.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }
}

fn make_token(fetched: FetchedToken, generation: u64) -> AccessToken {
    let now = Instant::now();
    // `expires_in` comes from the network: a huge value must not overflow
    // the clock (a panic on the request path), and no token is kept longer
    // than a day (Scalekit issues them for just under one).
    let lifetime = fetched
        .expires_in
        .clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
    let margin = (lifetime / 5).min(MAX_REFRESH_MARGIN);
    AccessToken {
        authorization: fetched.authorization,
        generation,
        refresh_at: now + lifetime - margin,
        expires_at: now + lifetime,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn fetched(value: &str, secs: u64) -> FetchedToken {
        FetchedToken::new(value.to_owned(), Duration::from_secs(secs)).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn caches_until_the_refresh_margin() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(fetched(&format!("t{n}"), 100))
        };
        assert_eq!(cache.get(fetch).await.unwrap().secret(), "t0");
        assert_eq!(cache.get(fetch).await.unwrap().secret(), "t0");
        // 100 s lifetime: margin 20 s, so at 79 s still cached, at 81 s refreshed.
        tokio::time::advance(Duration::from_secs(79)).await;
        assert_eq!(cache.get(fetch).await.unwrap().secret(), "t0");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(cache.get(fetch).await.unwrap().secret(), "t1");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn huge_lifetimes_are_capped_not_overflowed() {
        let cache = TokenCache::default();
        let token = cache
            .get(|| async { Ok::<_, ()>(fetched("t0", u64::MAX)) })
            .await
            .unwrap();
        assert_eq!(token.secret(), "t0");
        tokio::time::advance(MAX_TOKEN_LIFETIME).await;
        let token = cache
            .get(|| async { Ok::<_, ()>(fetched("t1", u64::MAX)) })
            .await
            .unwrap();
        assert_eq!(token.secret(), "t1", "capped at a day");
    }

    #[tokio::test(start_paused = true)]
    async fn failed_early_refresh_keeps_the_valid_token() {
        let cache = TokenCache::default();
        cache
            .get(|| async { Ok::<_, ()>(fetched("t0", 100)) })
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(90)).await;
        let token = cache
            .get(|| async { Err::<FetchedToken, _>(()) })
            .await
            .unwrap();
        assert_eq!(token.secret(), "t0");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(
            cache
                .get(|| async { Err::<FetchedToken, _>(()) })
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn invalidate_only_drops_the_named_generation() {
        let cache = TokenCache::default();
        let first = cache
            .get(|| async { Ok::<_, ()>(fetched("t0", 100)) })
            .await
            .unwrap();
        cache.invalidate(first.generation() + 1);
        assert_eq!(
            cache.get(|| async { Err(()) }).await.unwrap().secret(),
            "t0"
        );
        cache.invalidate(first.generation());
        let second = cache
            .get(|| async { Ok::<_, ()>(fetched("t1", 100)) })
            .await
            .unwrap();
        assert_eq!(second.secret(), "t1");
        // A late 401 for the old token must not drop the new one.
        cache.invalidate(first.generation());
        assert_eq!(
            cache.get(|| async { Err(()) }).await.unwrap().secret(),
            "t1"
        );
    }

    #[tokio::test]
    async fn a_cancelled_fetch_does_not_wedge_the_cache() {
        let cache = Arc::new(TokenCache::default());
        let stuck = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get(std::future::pending::<Result<FetchedToken, ()>>)
                    .await
                    .map(|_| ())
            })
        };
        // Let the stuck fetch take the lock, then cancel it.
        while cache.refresh.try_lock().is_ok() {
            tokio::task::yield_now().await;
        }
        stuck.abort();
        let token = tokio::time::timeout(
            Duration::from_secs(5),
            cache.get(|| async { Ok::<_, ()>(fetched("t0", 100)) }),
        )
        .await
        .expect("cache stuck after a cancelled fetch")
        .unwrap();
        assert_eq!(token.secret(), "t0");
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok::<_, ()>(fetched("t0", 100))
                    })
                    .await
                    .unwrap()
                    .generation()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), 1);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }
}
