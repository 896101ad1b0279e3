//! The whole application: gRPC calls (by `content-type`) to the gRPC
//! layer, everything else to the API and portal routes and the middleware
//! every request passes (the body read within its deadline, classification
//! and counting, then faults).

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::Method,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;

use crate::api::errors::ApiError;
use crate::api::fault_injection::inject_faults;
use crate::deadlines::read_body_in_time;
use crate::state::AppState;
use crate::store::counters::Endpoint;
use crate::{api, grpc, portal, scim};

/// Builds the application for one emulator.
pub(crate) fn router(state: AppState) -> Router {
    let grpc = grpc::router(state.clone());
    http_router(state.clone())
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            let grpc = grpc.clone();
            async move {
                if grpc::is_grpc(request.headers()) {
                    grpc.oneshot(request).await.into_response()
                } else {
                    next.run(request).await
                }
            }
        }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            read_body_in_time,
        ))
        .layer(middleware::from_fn_with_state(state, skewed_date))
}

/// With a clock skew set ([`Faults::set_clock_skew`](crate::Faults::set_clock_skew)),
/// every answer carries the skewed `Date` (hyper adds the real one only
/// when the answer has none).
async fn skewed_date(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(date) = state.store.clock.skewed_http_date()
        && let Ok(value) = axum::http::HeaderValue::from_str(&date)
    {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

/// The token endpoint, the REST API and the portal.
fn http_router(state: AppState) -> Router {
    api::router(state.clone())
        .merge(portal::router())
        .merge(scim::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), inject_faults))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Classifies a request by its method and matched route template.
fn classify(method: &Method, route: Option<&str>) -> Endpoint {
    match (route, method) {
        (Some(api::TOKEN), &Method::POST) => Endpoint::Token,
        (Some(api::PORTAL_LINKS), &Method::PUT) => Endpoint::GeneratePortalLink,
        (Some(api::ORGANIZATION), &Method::GET) => Endpoint::GetOrganization,
        (Some(api::ORGANIZATION), &Method::PATCH) => Endpoint::UpdateOrganization,
        (Some(api::ORGANIZATION), &Method::DELETE) => Endpoint::DeleteOrganization,
        (Some(api::ORGANIZATION_SEARCH), &Method::GET) => Endpoint::SearchOrganizations,
        (Some(api::SESSION_POLICY), &Method::GET) => Endpoint::GetSessionPolicy,
        (Some(api::SESSION_POLICY), &Method::PATCH) => Endpoint::UpdateSessionPolicy,
        (Some(api::USER_MANAGEMENT), &Method::GET) => Endpoint::GetUserManagement,
        (Some(api::USER_MANAGEMENT), &Method::PATCH) => Endpoint::UpdateUserManagement,
        (Some(api::DOMAINS), &Method::POST) => Endpoint::CreateDomain,
        (Some(api::DOMAIN), &Method::GET) => Endpoint::GetDomain,
        (Some(api::DOMAIN), &Method::DELETE) => Endpoint::DeleteDomain,
        (Some(api::ORGANIZATION_CONNECTIONS), &Method::POST) => Endpoint::CreateConnection,
        (Some(api::ORGANIZATION_CONNECTION), &Method::DELETE) => Endpoint::DeleteConnection,
        (Some(api::APP_CONNECTIONS), &Method::GET) => Endpoint::ListAppConnections,
        (Some(api::ORGANIZATION_BY_EXTERNAL_ID), &Method::GET) => {
            Endpoint::GetOrganizationByExternalId
        }
        (Some(api::ORGANIZATIONS), &Method::GET) => Endpoint::ListOrganizations,
        (Some(api::ORGANIZATIONS), &Method::POST) => Endpoint::CreateOrganization,
        (Some(api::ORGANIZATION_SETTINGS), &Method::PATCH) => Endpoint::UpdateOrganizationSettings,
        (Some(api::CONNECTIONS), &Method::GET) => Endpoint::ListConnections,
        (Some(api::DIRECTORIES), &Method::GET) => Endpoint::ListDirectories,
        (Some(api::DOMAINS), &Method::GET) => Endpoint::ListDomains,
        (Some(portal::PAGE), &Method::GET) => Endpoint::PortalPage,
        (Some(portal::TOGGLE), &Method::POST) => Endpoint::PortalToggle,
        (Some(portal::DOMAINS | portal::DOMAIN_VERIFY), &Method::POST)
        | (Some(portal::DOMAIN), &Method::DELETE) => Endpoint::PortalDomain,
        _ => Endpoint::Other,
    }
}

/// Classifies and counts the request, and makes its [`Endpoint`] available
/// to later middleware.
async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let endpoint = classify(request.method(), route);
    state.store.counters.request(endpoint);
    let path = loggable_path(route, request.uri().path());
    tracing::debug!(method = %request.method(), %path, %endpoint, "request");
    request.extensions_mut().insert(endpoint);
    next.run(request).await
}

/// The path as logged: the matched route template (`/magicLink/{id}`), or
/// for an unmatched path the path with the segment after `magicLink`
/// hidden, so a live portal link's key never reaches a log line.
fn loggable_path(route: Option<&str>, path: &str) -> String {
    if let Some(route) = route {
        return route.to_owned();
    }
    let mut after_magic_link = false;
    path.split('/')
        .map(|segment| {
            let shown = if after_magic_link { "{id}" } else { segment };
            after_magic_link = segment.eq_ignore_ascii_case("magicLink");
            shown
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Unknown paths: 404 in the REST error shape, as grpc-gateway answers.
async fn not_found() -> Response {
    ApiError::not_found("Not Found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_route_and_method() {
        assert_eq!(classify(&Method::POST, Some(api::TOKEN)), Endpoint::Token);
        assert_eq!(
            classify(&Method::GET, Some(api::CONNECTIONS)),
            Endpoint::ListConnections
        );
        assert_eq!(
            classify(&Method::DELETE, Some(portal::DOMAIN)),
            Endpoint::PortalDomain
        );
        assert_eq!(classify(&Method::GET, Some(api::TOKEN)), Endpoint::Other);
        assert_eq!(classify(&Method::GET, None), Endpoint::Other);
    }

    #[test]
    fn logged_paths_never_hold_a_link_key() {
        let key = "3f1e0c4a-0f7e-4b0e-9a53-3b1c2d4e5f60";
        assert_eq!(
            loggable_path(Some(portal::PAGE), &format!("/magicLink/{key}")),
            "/magicLink/{id}"
        );
        assert_eq!(
            loggable_path(None, &format!("/magicLink/{key}/nothing")),
            "/magicLink/{id}/nothing"
        );
        assert_eq!(
            loggable_path(None, &format!("/x/MAGICLINK/{key}")),
            "/x/MAGICLINK/{id}"
        );
        assert_eq!(loggable_path(None, "/api/v2/x"), "/api/v2/x");
    }
}
