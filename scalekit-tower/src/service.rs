//! The service [`PortalLinkLayer`](crate::PortalLinkLayer) wraps around an
//! inner service, and its response future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{CACHE_CONTROL, HeaderValue};
use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::mint::{Gate, MintFuture};
use crate::outcome::PortalLinkOutcome;
use crate::resolve::OrganizationResolver;

/// The service [`PortalLinkLayer`](crate::PortalLinkLayer) wraps around an inner service.
///
/// Its settings sit behind one `Arc`: axum clones a route's service for
/// every request, so a clone must cost one reference count, not a copy of
/// the resolver (which may own strings) and several counts.
pub struct PortalLinkService<S, R> {
    inner: S,
    settings: Arc<Settings<R>>,
}

/// What every clone of a [`PortalLinkService`] shares.
pub(crate) struct Settings<R> {
    pub(crate) gate: Gate<R>,
    pub(crate) methods: Option<Arc<[Method]>>,
    pub(crate) respond_on_failure: bool,
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
    pub(crate) fn new(inner: S, settings: Settings<R>) -> Self {
        Self {
            inner,
            settings: Arc::new(settings),
        }
    }

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
            failure.write_status(&mut response);
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
