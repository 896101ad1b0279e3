//! Middleware that mints a fresh portal link for every request it wraps.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use http::request::Parts;
use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::authorize::{AuthorizeError, Authorizer};
use crate::client::Client;
use crate::limit::MintLimit;
use crate::link::Feature;
use crate::mint::{Gate, MintFuture};
use crate::outcome::PortalLinkOutcome;
use crate::refresh::RefreshEndpoint;
use crate::resolve::OrganizationResolver;
use crate::status::StatusEndpoint;

/// Middleware that mints a fresh portal link for every request it wraps.
///
/// For each request the layer resolves the organization, mints one single-use
/// link, records a [`PortalLinkOutcome`] (and, when minted, the
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
    pub fn authorize<F>(mut self, allow: F) -> Self
    where
        F: Fn(&Parts) -> bool + Send + Sync + 'static,
    {
        self.gate.authorizer = Authorizer::sync(allow);
        self
    }

    /// Like [`authorize`](Self::authorize), for a decision that needs I/O
    /// (a role lookup). `allow` reads what it needs from the request and
    /// returns a future that owns it; the future runs under the layer's
    /// deadline. `Err` answers 500 and mints nothing.
    ///
    /// ```
    /// # use scalekit_tower::{AuthorizeError, Client, Config, PortalLinkLayer, resolve};
    /// # let client = Client::new(Config::builder().environment_url("https://a.scalekit.dev")
    /// #     .client_id("skc_1").client_secret("x").build().unwrap()).unwrap();
    /// #[derive(Clone)]
    /// struct CurrentUser { id: u64 }
    /// async fn is_sso_admin(user: u64) -> Result<bool, AuthorizeError> { Ok(user == 1) }
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
    pub fn authorize_async<F, Fut>(mut self, allow: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, AuthorizeError>> + Send + 'static,
    {
        self.gate.authorizer = Authorizer::with_future(allow);
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
        RefreshEndpoint::from_gate(self.browser_gate())
    }

    /// An endpoint that answers the organization's
    /// [`OrganizationStatus`](crate::OrganizationStatus), read from Scalekit,
    /// as JSON: what the listener script asks after the portal reports an
    /// SSO or directory change. Same authorization and resolver as this
    /// layer; it shares the refresh endpoint's limit
    /// ([`with_refresh_limit`](Self::with_refresh_limit)), so the two
    /// browser endpoints have one budget per organization and user.
    pub fn status_endpoint(&self) -> StatusEndpoint<R> {
        StatusEndpoint::from_gate(self.browser_gate())
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
            .field("methods", &self.methods)
            .field("respond_on_failure", &self.respond_on_failure)
            .finish_non_exhaustive()
    }
}

impl<S, R: Clone> Layer<S> for PortalLinkLayer<R> {
    type Service = PortalLinkService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        PortalLinkService {
            inner,
            settings: Arc::new(Settings {
                gate: self.gate.clone(),
                methods: self.methods.clone(),
                respond_on_failure: self.respond_on_failure,
            }),
        }
    }
}

/// The service [`PortalLinkLayer`] wraps around an inner service.
///
/// Its settings sit behind one `Arc`: axum clones a route's service for
/// every request, so a clone must cost one reference count, not a copy of
/// the resolver (which may own strings) and several counts.
pub struct PortalLinkService<S, R> {
    inner: S,
    settings: Arc<Settings<R>>,
}

struct Settings<R> {
    gate: Gate<R>,
    methods: Option<Arc<[Method]>>,
    respond_on_failure: bool,
}

impl<S: Clone, R> Clone for PortalLinkService<S, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            settings: self.settings.clone(),
        }
    }
}

impl<S, R> PortalLinkService<S, R> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn mints(&self, method: &Method) -> bool {
        match &self.settings.methods {
            Some(methods) => methods.contains(method),
            None => *method != Method::HEAD && *method != Method::OPTIONS,
        }
    }
}

impl<S: fmt::Debug, R> fmt::Debug for PortalLinkService<S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalLinkService")
            .field("inner", &self.inner)
            .field("features", &self.settings.gate.features)
            .field("methods", &self.settings.methods)
            .finish_non_exhaustive()
    }
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for PortalLinkService<S, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    R: OrganizationResolver,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if !self.mints(request.method()) {
            // Nothing is recorded: a route that mints nothing costs nothing.
            return ResponseFuture {
                state: State::Calling {
                    future: self.inner.call(request),
                    no_store: false,
                },
            };
        }
        self.start_minting(request)
    }
}

impl<S, R> PortalLinkService<S, R>
where
    R: OrganizationResolver,
{
    /// Starts resolving and minting; the inner service is called when that ends.
    /// Kept out of `call` so the path that mints nothing stays lean.
    #[inline(never)]
    fn start_minting<ReqBody>(&mut self, request: Request<ReqBody>) -> ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>> + Clone,
    {
        // The service polled ready is `self.inner`: take it for this request
        // and leave a clone for the next (tower's "be careful when cloning").
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (parts, body) = request.into_parts();
        let mint = self.settings.gate.mint(&parts);
        ResponseFuture {
            state: State::Minting {
                mint,
                pending: Some(Box::new(Pending {
                    inner,
                    request: Request::from_parts(parts, body),
                    respond_on_failure: self.settings.respond_on_failure,
                })),
            },
        }
    }
}

pin_project! {
    /// The response future of [`PortalLinkService`].
    pub struct ResponseFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        Minting {
            mint: MintFuture,
            // Boxed: the mint path allocates anyway, and this keeps the
            // future small for requests that are not minted.
            pending: Option<Box<Pending<S, ReqBody>>>,
        },
        Calling {
            #[pin]
            future: S::Future,
            no_store: bool,
        },
    }
}

/// What a minting request holds until its link is there.
struct Pending<S, ReqBody> {
    inner: S,
    request: Request<ReqBody>,
    respond_on_failure: bool,
}

impl<S, ReqBody> fmt::Debug for ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, S::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::Calling { future, no_store } => {
                    let mut response = ready!(future.poll(cx))?;
                    if *no_store {
                        forbid_caching(&mut response);
                    }
                    return Poll::Ready(Ok(response));
                }
                StateProj::Minting { mint, pending } => {
                    let outcome = ready!(mint.as_mut().poll(cx));
                    let Some(pending) = pending.take() else {
                        unreachable!("ResponseFuture polled after the inner service was called");
                    };
                    match (*pending).finish(outcome) {
                        Ok(calling) => this.state.set(calling),
                        Err(response) => return Poll::Ready(Ok(response)),
                    }
                }
            }
        }
    }
}

impl<S, ReqBody> Pending<S, ReqBody> {
    /// Records the outcome and calls the inner service, or answers the
    /// failure directly. Out of line: `poll` stays small for the requests
    /// that mint nothing.
    #[inline(never)]
    fn finish<ResBody>(
        self,
        outcome: PortalLinkOutcome,
    ) -> Result<State<S, ReqBody>, Response<ResBody>>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>>,
        ResBody: Default,
    {
        let Pending {
            mut inner,
            mut request,
            respond_on_failure,
        } = self;
        if let (PortalLinkOutcome::Failed(failure), true) = (&outcome, respond_on_failure) {
            let mut response = Response::new(ResBody::default());
            *response.status_mut() = failure.status();
            if let Some(after) = failure.retry_after_header() {
                response.headers_mut().insert(RETRY_AFTER, after);
            }
            return Err(response);
        }
        let no_store = matches!(outcome, PortalLinkOutcome::Minted(_));
        if let PortalLinkOutcome::Minted(link) = &outcome {
            request.extensions_mut().insert(link.clone());
        }
        request.extensions_mut().insert(outcome);
        Ok(State::Calling {
            future: inner.call(request),
            no_store,
        })
    }
}

/// Sets `Cache-Control: no-store` unless the handler already forbade storing.
fn forbid_caching<B>(response: &mut Response<B>) {
    let already = response
        .headers()
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("no-store"));
    if !already {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
