//! The Scalekit REST client: access tokens, portal links and organizations.
//!
//! ```
//! use scalekit_tower::{Client, Config, Feature, OrganizationId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = scalekit_emulator::Emulator::builder().start().await?;
//! # let vars = [("SCALEKIT_ENVIRONMENT_URL", emulator.base_url()),
//! #     ("SCALEKIT_CLIENT_ID", emulator.client_id()), ("SCALEKIT_CLIENT_SECRET", emulator.client_secret())];
//! # let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
//! // In an app: Client::from_env(), which reads SCALEKIT_ENVIRONMENT_URL,
//! // SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET.
//! let client = Client::new(Config::from_lookup(lookup)?)?;
//! let org = OrganizationId::new(scalekit_emulator::demo::ACME_ID)?;
//! let link = client.generate_portal_link(&org, &[Feature::Sso]).await?;
//! assert!(link.location().path().starts_with("/magicLink/"));
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::AUTHORIZATION;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::config::Config;
use crate::error::Error;
use crate::link::{Feature, PortalLink};
use crate::organization_id::OrganizationId;
use crate::portal_link_response::parse_portal_link;
use crate::token::{AccessToken, FetchedToken, TokenCache};
use crate::transport::{Answer, Replay, send_with_retries};

/// A Scalekit REST client.
///
/// Cheap to clone: clones share one connection pool and one access-token cache.
/// Every call has one deadline ([`Config::timeout`]) that covers the token
/// fetch, the request and its retries.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    tokens: TokenCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Self, Error> {
        crate::tls::prepare(config.environment_url())?;
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout())
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("scalekit-tower/", env!("CARGO_PKG_VERSION")))
            // Scalekit never redirects API calls; following one could send the
            // bearer token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::UnexpectedResponse {
                status: None,
                reason: format!("could not build the HTTP client: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                tokens: TokenCache::default(),
            }),
        })
    }

    /// A client configured from the `SCALEKIT_*` environment variables
    /// (see [`Config::from_env`]).
    pub fn from_env() -> Result<Self, Error> {
        Self::new(Config::from_env()?)
    }

    /// The configuration this client uses.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Mints a single-use admin-portal link for `organization`.
    ///
    /// `features` selects the portal sections (empty: what the organization has
    /// enabled). The link must be loaded within a minute and only once: mint one
    /// per page render and never cache it.
    pub async fn generate_portal_link(
        &self,
        organization: &OrganizationId,
        features: &[Feature],
    ) -> Result<PortalLink, Error> {
        let deadline = Instant::now() + self.inner.config.timeout();
        self.generate_portal_link_until(organization, features, deadline)
            .await
    }

    /// [`generate_portal_link`](Self::generate_portal_link) with a deadline
    /// the caller already started (the layer's, shared with its resolver).
    pub(crate) async fn generate_portal_link_until(
        &self,
        organization: &OrganizationId,
        features: &[Feature],
        deadline: Instant,
    ) -> Result<PortalLink, Error> {
        let span = tracing::info_span!(
            "scalekit.generate_portal_link",
            org_id = %organization,
            features = features.len(),
            latency_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = async {
            let mut url = self.api_url(&["organizations", organization.as_str(), "portal_links"]);
            if !features.is_empty() {
                let mut query = url.query_pairs_mut();
                for feature in features {
                    query.append_pair("features", feature.as_str());
                }
            }
            let answer = self
                .call_until(deadline, Replay::Always, |http| http.put(url.clone()))
                .await?;
            parse_portal_link(&answer.body, self.inner.config.portal_origin())
                .map_err(|e| with_status(e, &answer))
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, &result);
        result
    }

    /// `{environment}/api/v1/{segments...}`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.config.environment_url().clone();
        url.path_segments_mut()
            .expect("the environment URL is an http(s) origin")
            .clear()
            .extend(["api", "v1"])
            .extend(segments);
        url
    }

    /// One authenticated API call within the deadline: token, request, retries,
    /// and one token refresh plus resend on a 401.
    pub(crate) async fn call(
        &self,
        replay: Replay,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let deadline = Instant::now() + self.inner.config.timeout();
        self.call_until(deadline, replay, build).await
    }

    /// [`call`](Self::call) ending at `deadline`.
    async fn call_until(
        &self,
        deadline: Instant,
        replay: Replay,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let timeout = self.inner.config.timeout();
        let attempt = async {
            let mut refreshed = false;
            loop {
                let token = self.access_token(deadline).await?;
                let result = send_with_retries(deadline, replay, || {
                    build(&self.inner.http).header(AUTHORIZATION, token.authorization().clone())
                })
                .await;
                match result {
                    Err(Error::BadCredentials { status, .. })
                        if status == http::StatusCode::UNAUTHORIZED && !refreshed =>
                    {
                        tracing::debug!(
                            "access token refused; fetching a new one and retrying once"
                        );
                        self.inner.tokens.invalidate(token.generation());
                        refreshed = true;
                    }
                    other => return other,
                }
            }
        };
        tokio::time::timeout_at(deadline, attempt)
            .await
            .unwrap_or(Err(Error::Timeout { after: timeout }))
    }

    async fn access_token(&self, deadline: Instant) -> Result<Arc<AccessToken>, Error> {
        self.inner.tokens.get(|| self.fetch_token(deadline)).await
    }

    async fn fetch_token(&self, deadline: Instant) -> Result<FetchedToken, Error> {
        let span = tracing::info_span!(
            "scalekit.fetch_token",
            latency_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let config = &self.inner.config;
        let mut url = config.environment_url().clone();
        url.set_path("/oauth/token");
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", config.client_id()),
            ("client_secret", config.client_secret()),
        ];
        let result = async {
            let answer = send_with_retries(deadline, Replay::Always, || {
                self.inner.http.post(url.clone()).form(&form)
            })
            .await
            .map_err(token_endpoint_error)?;
            #[derive(Deserialize)]
            struct TokenResponse {
                access_token: String,
                #[serde(default)]
                expires_in: Option<u64>,
            }
            let parsed: TokenResponse = parse_json(&answer)?;
            if parsed.access_token.is_empty() {
                return Err(Error::UnexpectedResponse {
                    status: Some(answer.status),
                    reason: "token response has an empty access_token".into(),
                });
            }
            // Scalekit issues day-long tokens; assume an hour when it does not say.
            let expires_in = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
            FetchedToken::new(parsed.access_token, expires_in).ok_or(Error::UnexpectedResponse {
                status: Some(answer.status),
                reason: "the access token contains characters a header cannot carry".into(),
            })
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, &result);
        result
    }
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

pub(crate) fn parse_json<T: DeserializeOwned>(answer: &Answer) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| Error::UnexpectedResponse {
        status: Some(answer.status),
        reason: format!("the response body is not the expected JSON: {e}"),
    })
}

fn with_status(err: Error, answer: &Answer) -> Error {
    match err {
        Error::UnexpectedResponse {
            status: None,
            reason,
        } => Error::UnexpectedResponse {
            status: Some(answer.status),
            reason,
        },
        other => other,
    }
}

fn record_outcome<T>(span: &tracing::Span, started: Instant, result: &Result<T, Error>) {
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(_) => {
            span.record("outcome", "ok");
        }
        Err(err) => {
            span.record("outcome", outcome_name(err));
            span.in_scope(|| tracing::warn!(error = %err, "Scalekit call failed"));
        }
    }
}

fn outcome_name(err: &Error) -> &'static str {
    match err {
        Error::Config(_) => "config",
        Error::BadCredentials { .. } => "bad_credentials",
        Error::OrganizationNotFound { .. } => "not_found",
        Error::InvalidArgument { .. } => "invalid_argument",
        Error::PermissionDenied { .. } => "permission_denied",
        Error::RateLimited { .. } => "rate_limited",
        Error::Unavailable { .. } => "unavailable",
        Error::Timeout { .. } => "timeout",
        Error::UnexpectedResponse { .. } => "unexpected_response",
    }
}
