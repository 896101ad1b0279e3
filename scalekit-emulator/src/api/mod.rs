//! The API layer: the token endpoint and the REST calls under `/api/v1`,
//! their error shapes, request reading and the fault-injection middleware.
//! Handlers read and change state only through the [`Store`](crate::store::Store).

pub(crate) mod connections;
pub(crate) mod directories;
pub(crate) mod domains;
pub(crate) mod errors;
pub(crate) mod extract;
pub(crate) mod fault_injection;
pub(crate) mod organization_pages;
pub(crate) mod organization_settings;
pub(crate) mod organizations;
pub(crate) mod portal_links;
pub(crate) mod token;

use axum::{
    Router,
    extract::{Request, State},
    middleware::{self, Next},
    response::IntoResponse,
    routing::{delete, get, patch, post, put},
};

use crate::state::AppState;

/// `POST /oauth/token`.
pub(crate) const TOKEN: &str = "/oauth/token";
/// `GET` (list) and `POST` (create) organizations.
pub(crate) const ORGANIZATIONS: &str = "/api/v1/organizations";
/// `GET`, `PATCH` (update) and `DELETE` one organization.
pub(crate) const ORGANIZATION: &str = "/api/v1/organizations/{id}";
/// `GET` organizations matching a query.
pub(crate) const ORGANIZATION_SEARCH: &str = "/api/v1/organizations:search";
/// `GET` and `PATCH` an organization's session policy.
pub(crate) const SESSION_POLICY: &str = "/api/v1/organizations/{id}/session-policy";
/// `GET` and `PATCH` an organization's user-management settings.
pub(crate) const USER_MANAGEMENT: &str = "/api/v1/organizations/{id}/settings/usermanagement";
/// `POST` an organization's SSO connection.
pub(crate) const ORGANIZATION_CONNECTIONS: &str = "/api/v1/organizations/{id}/connections";
/// `DELETE` an organization's SSO connection.
pub(crate) const ORGANIZATION_CONNECTION: &str =
    "/api/v1/organizations/{id}/connections/{connection_id}";
/// `GET` the environment's app connections.
pub(crate) const APP_CONNECTIONS: &str = "/api/v1/connections/app";
/// `GET` and `DELETE` one domain.
pub(crate) const DOMAIN: &str = "/api/v1/organizations/{id}/domains/{domain_id}";
/// `GET` one organization by external id.
pub(crate) const ORGANIZATION_BY_EXTERNAL_ID: &str = "/api/v1/organizations:external/{external_id}";
/// `PATCH` feature settings.
pub(crate) const ORGANIZATION_SETTINGS: &str = "/api/v1/organizations/{id}/settings";
/// `PUT` a portal link.
pub(crate) const PORTAL_LINKS: &str = "/api/v1/organizations/{id}/portal_links";
/// `GET` SSO connections.
pub(crate) const CONNECTIONS: &str = "/api/v1/connections";
/// `GET` an organization's directories.
pub(crate) const DIRECTORIES: &str = "/api/v1/organizations/{id}/directories";
/// `GET` (list) and `POST` (create) an organization's domains.
pub(crate) const DOMAINS: &str = "/api/v1/organizations/{id}/domains";

/// The token endpoint and the REST calls (behind the bearer-token check).
pub(crate) fn router(state: AppState) -> Router<AppState> {
    let rest = Router::new()
        .route(
            ORGANIZATIONS,
            get(organization_pages::list_organizations).post(organizations::create_organization),
        )
        .route(
            ORGANIZATION_SEARCH,
            get(organization_pages::search_organizations),
        )
        .route(
            ORGANIZATION,
            get(organizations::get_organization)
                .patch(organizations::update_organization)
                .delete(organizations::delete_organization),
        )
        .route(
            SESSION_POLICY,
            get(organization_settings::get_session_policy)
                .patch(organization_settings::patch_session_policy),
        )
        .route(
            USER_MANAGEMENT,
            get(organization_settings::get_user_management)
                .patch(organization_settings::patch_user_management),
        )
        .route(
            ORGANIZATION_CONNECTIONS,
            post(connections::create_connection),
        )
        .route(
            ORGANIZATION_CONNECTION,
            delete(connections::delete_connection),
        )
        .route(APP_CONNECTIONS, get(connections::list_app_connections))
        .route(
            DOMAIN,
            get(domains::get_domain).delete(domains::delete_domain),
        )
        .route(
            ORGANIZATION_BY_EXTERNAL_ID,
            get(organizations::get_organization_by_external_id),
        )
        .route(ORGANIZATION_SETTINGS, patch(organizations::update_settings))
        .route(PORTAL_LINKS, put(portal_links::generate_portal_link))
        .route(CONNECTIONS, get(connections::list_connections))
        .route(DIRECTORIES, get(directories::list_directories))
        .route(
            DOMAINS,
            get(domains::list_domains).post(domains::create_domain),
        )
        .route_layer(middleware::from_fn_with_state(
            state,
            |State(state): State<AppState>, request: Request, next: Next| async move {
                token::require_bearer(&state, request, next, IntoResponse::into_response).await
            },
        ));
    Router::new()
        .route(TOKEN, post(token::token_endpoint))
        .merge(rest)
}
