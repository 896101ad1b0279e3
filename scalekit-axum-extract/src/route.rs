//! Mounting the browser endpoints (refresh, status, handoff) in an axum router.

use axum::Router;
use scalekit_tower::resolve::OrganizationResolver;
use scalekit_tower::{HandoffEndpoint, RefreshEndpoint, StatusEndpoint};

/// A router serving `endpoint` at `path`, to [`merge`](Router::merge) into the
/// app's router. Mount it where the app's authentication middleware runs, so
/// the resolver sees the same session as on the settings page; point the
/// snippet's refresh URL at `path`.
///
/// ```
/// use axum::Router;
/// use scalekit_axum_extract::refresh_route;
/// use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
///
/// # let config = Config::builder().environment_url("https://acme.scalekit.dev")
/// #     .client_id("skc_1").client_secret("x").build().unwrap();
/// let portal = PortalLinkLayer::new(Client::new(config).unwrap(), resolve::organization_extension());
/// let app: Router = Router::new().merge(refresh_route("/settings/portal/refresh", portal.refresh_endpoint()));
/// # let _ = app;
/// ```
///
/// # Panics
///
/// Like [`Router::route_service`], if `path` is not a valid route path
/// (it must start with `/`).
pub fn refresh_route<S, R>(path: &str, endpoint: RefreshEndpoint<R>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: OrganizationResolver,
{
    Router::new().route_service(path, endpoint)
}

/// A router serving the status `endpoint` at `path`, to
/// [`merge`](Router::merge) into the app's router, beside the refresh
/// route and under the same authentication; point the snippet's status URL
/// ([`PortalEmbed::with_status_url`](scalekit_tower::template::PortalEmbed::with_status_url))
/// at `path`.
///
/// ```
/// use axum::Router;
/// use scalekit_axum_extract::{refresh_route, status_route};
/// use scalekit_tower::template::PortalEmbed;
/// use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
///
/// # let config = Config::builder().environment_url("https://acme.scalekit.dev")
/// #     .client_id("skc_1").client_secret("x").build().unwrap();
/// let portal = PortalLinkLayer::new(Client::new(config).unwrap(), resolve::organization_extension());
/// let app: Router = Router::new()
///     .merge(refresh_route(PortalEmbed::DEFAULT_REFRESH_URL, portal.refresh_endpoint()))
///     .merge(status_route(PortalEmbed::DEFAULT_STATUS_URL, portal.status_endpoint()));
/// # let _ = app;
/// ```
///
/// # Panics
///
/// Like [`Router::route_service`], if `path` is not a valid route path
/// (it must start with `/`).
pub fn status_route<S, R>(path: &str, endpoint: StatusEndpoint<R>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: OrganizationResolver,
{
    Router::new().route_service(path, endpoint)
}

/// A router serving the handoff `endpoint` at `path`, to
/// [`merge`](Router::merge) into the app's router beside the refresh and
/// status routes, under the same authentication: a link to `path` opens the
/// portal in a new tab when the iframe cannot work.
///
/// ```
/// use axum::Router;
/// use scalekit_axum_extract::handoff_route;
/// use scalekit_tower::{Client, Config, PortalLinkLayer, resolve};
///
/// # let config = Config::builder().environment_url("https://acme.scalekit.dev")
/// #     .client_id("skc_1").client_secret("x").build().unwrap();
/// let portal = PortalLinkLayer::new(Client::new(config).unwrap(), resolve::organization_extension());
/// let app: Router = Router::new().merge(handoff_route("/settings/portal/open", portal.handoff_endpoint()));
/// # let _ = app;
/// ```
///
/// # Panics
///
/// Like [`Router::route_service`], if `path` is not a valid route path
/// (it must start with `/`).
pub fn handoff_route<S, R>(path: &str, endpoint: HandoffEndpoint<R>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    R: OrganizationResolver,
{
    Router::new().route_service(path, endpoint)
}
