//! Middleware that mints a fresh portal link for every request it wraps.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::Method;
use http::request::Parts;
use tower_layer::Layer;

use crate::authorize::{AuthorizeStep, Authorizer, Predicate};
use crate::client::Client;
use crate::handoff::{HandoffEndpoint, handoff_endpoint};
use crate::hook::HookError;
use crate::limit::MintLimit;
use crate::link::Feature;
use crate::mint::Gate;
use crate::origin::AppOrigin;
use crate::refresh::{RefreshEndpoint, refresh_endpoint};
use crate::resolve::OrganizationResolver;
use crate::service::{PortalLinkService, Settings};
use crate::status::{StatusEndpoint, status_endpoint};

/// Middleware that mints a fresh portal link for every request it wraps.
///
/// For each request the layer resolves the organization, mints one single-use
/// link, records a [`PortalLinkOutcome`](crate::PortalLinkOutcome) (and, when minted, the
/// [`PortalLink`](crate::PortalLink)) in the request extensions, and calls the
/// inner service. Responses to requests that got a link carry
/// `Cache-Control: no-store`, so no cache can replay a used link.
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use scalekit_tower::{Client, Config, Feature, PortalLinkLayer, PortalLinkOutcome, resolve};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let emulator = scalekit_emulator::Emulator::builder().start().await.unwrap();
/// # let org = scalekit_emulator::demo::ACME_ID.parse().unwrap();
/// # let config = Config::builder().environment_url(emulator.base_url())
/// #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build().unwrap();
/// let client = Client::new(config).unwrap();
/// let service = ServiceBuilder::new()
///     .layer(PortalLinkLayer::new(client, resolve::fixed(org)).with_features([Feature::Sso]))
///     .service(service_fn(|request: Request<()>| async move {
///         let minted = matches!(
///             request.extensions().get::<PortalLinkOutcome>(),
///             Some(PortalLinkOutcome::Minted(_))
///         );
///         Ok::<_, Infallible>(Response::new(format!("minted: {minted}")))
///     }));
/// let response = service.oneshot(Request::new(())).await.unwrap();
/// assert_eq!(response.headers()["cache-control"], "no-store");
/// assert_eq!(response.into_body(), "minted: true");
/// # }
/// ```
#[derive(Clone)]
pub struct PortalLinkLayer<R> {
    gate: Gate<R>,
    refresh_limit: MintLimit,
    methods: Option<Arc<[Method]>>,
    respond_on_failure: bool,
}

impl<R: OrganizationResolver> PortalLinkLayer<R> {
    /// Mints links with `client` for the organization `resolver` finds.
    ///
    /// Without [`authorize`](Self::authorize), everyone the resolver finds an
    /// organization for may open its portal: add the app's rule (usually "is
    /// an admin of this organization") before serving it.
    pub fn new(client: Client, resolver: R) -> Self {
        Self {
            gate: Gate::open(client, resolver),
            refresh_limit: MintLimit::default(),
            methods: None,
            respond_on_failure: false,
        }
    }

    /// Who may open the portal: `allow` decides from the request (the user
    /// the app's auth layer put in its extensions). It runs first, before the
    /// resolver and any upstream call, for the layer, its
    /// [`refresh_endpoint`](Self::refresh_endpoint) and every endpoint built
    /// from this layer. A refused request gets
    /// [`PortalLinkFailure::Refused`](crate::PortalLinkFailure::Refused) (403)
    /// and nothing is minted.
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// #[derive(Clone)]
    /// struct CurrentUser { is_admin: bool }
    ///
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .authorize(|parts| parts.extensions.get::<CurrentUser>().is_some_and(|u| u.is_admin));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn authorize<F>(self, allow: F) -> Self
    where
        F: Fn(&Parts) -> bool + Send + Sync + 'static,
    {
        self.authorize_with(Predicate(allow))
    }

    /// Like [`authorize`](Self::authorize), for a decision that needs I/O
    /// (a role lookup). `allow` reads what it needs from the request and
    /// returns a future that owns it; the future runs under the layer's
    /// deadline. `Err` answers 500 and mints nothing.
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, HookError, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// #[derive(Clone)]
    /// struct CurrentUser { id: u64 }
    /// async fn is_sso_admin(user: u64) -> Result<bool, HookError> { Ok(user == 1) }
    ///
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .authorize_async(|parts| {
    ///         let user = parts.extensions.get::<CurrentUser>().map(|u| u.id);
    ///         async move {
    ///             match user {
    ///                 Some(id) => is_sso_admin(id).await,
    ///                 None => Ok(false),
    ///             }
    ///         }
    ///     });
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn authorize_async<F, Fut>(self, allow: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, HookError>> + Send + 'static,
    {
        self.authorize_with(allow)
    }

    /// Who may open the portal, decided by any [`Authorizer`]: a type of
    /// the app's, or the closures [`authorize`](Self::authorize) and
    /// [`authorize_async`](Self::authorize_async) take. The last call of the
    /// three wins.
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// use std::future::{Ready, ready};
    /// use scalekit_tower::{Authorizer, HookError};
    ///
    /// /// Admits requests that carry the `x-admin` header a trusted proxy sets.
    /// struct ProxyAdmin;
    ///
    /// impl Authorizer for ProxyAdmin {
    ///     type Future = Ready<Result<bool, HookError>>;
    ///     fn authorize(&self, parts: &http::request::Parts) -> Self::Future {
    ///         ready(Ok(parts.headers.contains_key("x-admin")))
    ///     }
    /// }
    ///
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .authorize_with(ProxyAdmin);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn authorize_with(mut self, authorizer: impl Authorizer) -> Self {
        self.gate.authorizer = AuthorizeStep::new(authorizer);
        self
    }

    /// A minting limit on the layer's own requests (default: none, as each
    /// is a page a person opened). Over it, the request gets
    /// [`PortalLinkFailure::Limited`](crate::PortalLinkFailure::Limited)
    /// (429 with `Retry-After`) and nothing is sent upstream.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::{Client, Config, MintLimit, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .with_limit(MintLimit::default());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_limit(mut self, limit: MintLimit) -> Self {
        self.gate.limit = limit;
        self
    }

    /// The minting limit of the [`refresh_endpoint`](Self::refresh_endpoint)
    /// (default [`MintLimit::default`]; [`MintLimit::unlimited`] removes it).
    /// Pass a clone of the layer's limit to share one budget.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scalekit_tower::{Client, Config, MintLimit, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// #[derive(Clone)]
    /// struct Session { id: String }
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .with_refresh_limit(MintLimit::default().per_user(
    ///         |parts| parts.extensions.get::<Session>().map(|s| s.id.clone()),
    ///         10,
    ///         Duration::from_secs(6),
    ///     ));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_refresh_limit(mut self, limit: MintLimit) -> Self {
        self.refresh_limit = limit;
        self
    }

    /// The origin the app's pages are served from, for the browser
    /// endpoints' same-origin check: a request whose `Origin` is not exactly
    /// this (scheme, host, port) is refused with 403, whatever its `Host`.
    /// Without it, `Origin` is compared with the request's `Host`, which a
    /// DNS-rebinding page controls and a proxy may rewrite: set it in
    /// production, above all behind a proxy.
    ///
    /// ```
    /// # use scalekit_tower::{AppOrigin, Client, Config, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .with_app_origin(AppOrigin::parse("https://app.example.com").unwrap());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_app_origin(mut self, origin: AppOrigin) -> Self {
        self.gate.app_origin = Some(origin);
        self
    }

    /// The portal sections the links open (default: none named, so the portal
    /// shows what the organization has enabled).
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, Feature, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .with_features([Feature::Sso, Feature::DirSync]);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_features(mut self, features: impl IntoIterator<Item = Feature>) -> Self {
        self.gate.features = features.into_iter().collect();
        self
    }

    /// The methods that mint (default: every method but `HEAD` and `OPTIONS`).
    /// Other requests pass through untouched and at no cost: nothing is
    /// resolved, minted or recorded in their extensions.
    ///
    /// ```
    /// # use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// let layer = PortalLinkLayer::new(client, resolve::organization_extension())
    ///     .with_methods([http::Method::GET]);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = Some(methods.into_iter().collect());
        self
    }

    /// Answers the request directly (status only, empty body) when resolving
    /// or minting fails, instead of the default of calling the inner service
    /// with the failure recorded so the handler can render a fallback.
    ///
    /// The status is [`PortalLinkFailure::status`](crate::PortalLinkFailure::status),
    /// with `Retry-After` when Scalekit sent one.
    #[must_use]
    pub fn respond_on_failure(mut self) -> Self {
        self.respond_on_failure = true;
        self
    }

    /// An endpoint that mints a fresh link as JSON for the browser when the
    /// portal session expires, with this layer's authorization, resolver and
    /// features, and the refresh limit
    /// ([`with_refresh_limit`](Self::with_refresh_limit)).
    pub fn refresh_endpoint(&self) -> RefreshEndpoint<R> {
        refresh_endpoint(self.browser_gate())
    }

    /// An endpoint that answers the organization's
    /// [`OrganizationStatus`](crate::OrganizationStatus), read from Scalekit,
    /// as JSON: what the listener script asks after the portal reports an
    /// SSO or directory change. Same authorization and resolver as this
    /// layer; it shares the refresh endpoint's limit
    /// ([`with_refresh_limit`](Self::with_refresh_limit)), so the two
    /// browser endpoints have one budget per organization and user.
    pub fn status_endpoint(&self) -> StatusEndpoint<R> {
        status_endpoint(self.browser_gate())
    }

    /// An endpoint that opens the portal in a new tab: `GET` answers `303
    /// See Other` to a fresh link (`no-store`, `Referrer-Policy:
    /// no-referrer`), for when the iframe cannot work. Same authorization,
    /// resolver and cross-site refusals as this layer; it shares the refresh
    /// endpoint's limit ([`with_refresh_limit`](Self::with_refresh_limit)).
    pub fn handoff_endpoint(&self) -> HandoffEndpoint<R> {
        handoff_endpoint(self.browser_gate())
    }

    /// The gate of the browser endpoints: the layer's, with the refresh limit.
    fn browser_gate(&self) -> Gate<R> {
        Gate {
            limit: self.refresh_limit.clone(),
            ..self.gate.clone()
        }
    }
}

impl<R> fmt::Debug for PortalLinkLayer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalLinkLayer")
            .field("features", &self.gate.features)
            .field("authorizer", &self.gate.authorizer)
            .field("limit", &self.gate.limit)
            .field("refresh_limit", &self.refresh_limit)
            .field("app_origin", &self.gate.app_origin)
            .field("methods", &self.methods)
            .field("respond_on_failure", &self.respond_on_failure)
            .finish_non_exhaustive()
    }
}

impl<S, R: Clone> Layer<S> for PortalLinkLayer<R> {
    type Service = PortalLinkService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        PortalLinkService::new(
            inner,
            Settings {
                gate: self.gate.clone(),
                methods: self.methods.clone(),
                respond_on_failure: self.respond_on_failure,
            },
        )
    }
}
