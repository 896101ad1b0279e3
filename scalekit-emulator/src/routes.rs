//! The route table and the middleware every request passes.

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, patch, post, put},
};

use crate::errors::ApiError;
use crate::fault_injection::inject_faults;
use crate::state::AppState;
use crate::stats::Endpoint;
use crate::{organizations, portal_links, portal_page, portal_toggle, token};

pub(crate) const TOKEN: &str = "/oauth/token";
pub(crate) const ORGANIZATIONS: &str = "/api/v1/organizations";
pub(crate) const ORGANIZATION: &str = "/api/v1/organizations/{id}";
pub(crate) const ORGANIZATION_BY_EXTERNAL_ID: &str = "/api/v1/organizations:external/{external_id}";
pub(crate) const ORGANIZATION_SETTINGS: &str = "/api/v1/organizations/{id}/settings";
pub(crate) const PORTAL_LINKS: &str = "/api/v1/organizations/{id}/portal_links";
pub(crate) const PORTAL_PAGE: &str = "/magicLink/{id}";
pub(crate) const PORTAL_TOGGLE: &str = "/magicLink/{id}/features";

/// Builds the application for one emulator.
pub(crate) fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            ORGANIZATIONS,
            get(organizations::list_organizations).post(organizations::create_organization),
        )
        .route(ORGANIZATION, get(organizations::get_organization))
        .route(
            ORGANIZATION_BY_EXTERNAL_ID,
            get(organizations::get_organization_by_external_id),
        )
        .route(ORGANIZATION_SETTINGS, patch(organizations::update_settings))
        .route(PORTAL_LINKS, put(portal_links::generate_portal_link))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            token::require_bearer,
        ));
    Router::new()
        .route(TOKEN, post(token::token_endpoint))
        .merge(api)
        .route(PORTAL_PAGE, get(portal_page::portal_page))
        .route(PORTAL_TOGGLE, post(portal_toggle::toggle_feature))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), inject_faults))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Classifies and counts the request, and makes its [`Endpoint`] available
/// to later middleware.
async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let endpoint = Endpoint::classify(request.method(), route);
    state.counters.request(endpoint);
    tracing::debug!(method = %request.method(), path = %request.uri().path(), %endpoint, "request");
    request.extensions_mut().insert(endpoint);
    next.run(request).await
}

/// Unknown paths: 404 in the REST error shape, as grpc-gateway answers.
async fn not_found() -> Response {
    ApiError::not_found("Not Found").into_response()
}
