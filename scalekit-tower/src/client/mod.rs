//! The Scalekit REST client: access tokens, portal links and organizations.
//!
//! One concept per file: [`transport`] sends with retries and a body cap,
//! [`token`] caches the access token, `portal_links` mints links and
//! `organizations` holds the organization calls and `status` the status reads
//! (SSO connections, directories, domains).
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

mod directories;
mod organizations;
mod portal_links;
mod status;
pub(crate) mod token;
pub(crate) mod transport;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::AUTHORIZATION;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use url::Url;

use crate::config::Config;
use crate::error::Error;
use token::{AccessToken, TokenCache};
use transport::{Answer, Replay, Transport};

/// Idle connections kept per upstream host: enough for a busy app's steady
/// state, so a burst does not leave hundreds of sockets open for a minute.
const MAX_IDLE_CONNECTIONS: usize = 32;

/// A Scalekit REST client.
///
/// Cheap to clone: clones share one connection pool and one access-token cache.
/// Every call has one deadline ([`Config::timeout`]) that covers the token
/// fetch, the request and its retries, and reads at most
/// [`Config::max_response_bytes`] of any answer.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    /// `{environment}/api/v1/`, built once: every call's URL starts with it.
    api_base: Url,
    transport: Transport,
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
            .pool_max_idle_per_host(MAX_IDLE_CONNECTIONS)
            .user_agent(concat!("scalekit-tower/", env!("CARGO_PKG_VERSION")))
            // Scalekit never redirects API calls; following one could send the
            // bearer token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::UnexpectedResponse {
                status: None,
                reason: format!("could not build the HTTP client: {e}"),
            })?;
        let mut api_base = config.environment_url().clone();
        api_base
            .path_segments_mut()
            .expect("the environment URL is an http(s) origin")
            .clear()
            .extend(["api", "v1", ""]);
        Ok(Self {
            inner: Arc::new(Inner {
                api_base,
                transport: Transport::new(http, config.max_response_bytes()),
                config,
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

    /// `{environment}/api/v1/{segments...}`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.api_base.clone();
        url.path_segments_mut()
            .expect("the environment URL is an http(s) origin")
            .pop_if_empty()
            .extend(segments);
        url
    }

    /// One authenticated API call within the client's deadline: token,
    /// request, retries, and one token refresh plus resend on a 401.
    pub(crate) async fn send_authorized(
        &self,
        replay: Replay,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        let deadline = Instant::now() + self.inner.config.timeout();
        self.send_authorized_until(deadline, replay, build).await
    }

    /// [`send_authorized`](Self::send_authorized) ending at `deadline`.
    pub(crate) async fn send_authorized_until(
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
                let transport = &self.inner.transport;
                let result = transport
                    .send_with_retries(deadline, replay, || {
                        build(transport.http()).header(AUTHORIZATION, token.authorization().clone())
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
        let inner = &self.inner;
        inner
            .tokens
            // Boxed: the fetch (a whole HTTP exchange) runs about once an hour,
            // and inline it would grow every API call's future by 1.3 kB.
            .get(|| Box::pin(token::fetch(&inner.transport, &inner.config, deadline)))
            .await
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(answer: &Answer) -> Result<T, Error> {
    serde_json::from_slice(&answer.body).map_err(|e| Error::UnexpectedResponse {
        status: Some(answer.status),
        reason: format!("the response body is not the expected JSON: {e}"),
    })
}

/// Records a call's latency and outcome on its span, and logs a failure.
pub(crate) fn record_outcome<T>(span: &tracing::Span, started: Instant, result: &Result<T, Error>) {
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(_) => {
            span.record("outcome", "ok");
        }
        Err(err) => {
            span.record("outcome", err.kind_name());
            span.in_scope(|| tracing::warn!(error = %err, "Scalekit call failed"));
        }
    }
}
