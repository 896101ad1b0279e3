//! SSO connections: `GET /api/v1/connections?organization_id=&domain=&include=`
//! lists those of the environment or of one organization;
//! `POST|DELETE /api/v1/organizations/{organization_id}/connections[/{id}]`
//! create and delete an organization's; `GET /api/v1/connections/app`
//! lists the (absent) app connections.
//!
//! Without `include=all` only active connections (completed and enabled)
//! are listed. `domain` keeps the connections of organizations that hold
//! that domain, verified. An unknown organization lists nothing.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{
    json_body, organization_id, path_param, path_params, query_pairs, query_value,
};
use crate::api::organizations;
use crate::state::AppState;
use crate::store::connections::{CONNECTION_PROVIDER, CONNECTION_TYPES, Connection, PROVIDERS};
use crate::store::domains::VerificationStatus;

/// The connections to list: of one organization or all, of organizations
/// holding `domain` verified, only active ones unless `include` is `all`.
/// Shared by REST and gRPC.
pub(crate) fn list(
    state: &AppState,
    organization: Option<&str>,
    domain: Option<&str>,
    include: Option<&str>,
) -> Result<Vec<Connection>, ApiError> {
    if let Some(id) = organization {
        organization_id(id)?;
    }
    let domain = domain.map(str::to_ascii_lowercase);
    let include_all = match include {
        None => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::invalid_argument(format!(
                "include must be \"all\" or absent, got {other:?}"
            )));
        }
    };
    Ok(state.store.with_organizations(|organizations| {
        organizations
            .filtered(None)
            .filter(|o| organization.is_none_or(|id| o.id == id))
            .filter(|o| {
                domain.as_deref().is_none_or(|name| {
                    o.domains.iter().any(|d| {
                        d.name == name && d.verification_status == VerificationStatus::Verified
                    })
                })
            })
            .filter_map(|o| o.connection.as_ref())
            .filter(|c| include_all || c.is_active())
            .cloned()
            .collect()
    }))
}

/// Lists connections: 200 `{"connections":[...]}`.
pub(crate) async fn list_connections(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let connections = list(
        &state,
        query_value(&pairs, &["organization_id", "organizationId"]),
        query_value(&pairs, &["domain"]),
        query_value(&pairs, &["include"]),
    )?;
    let connections: Vec<_> = connections.iter().map(Connection::to_json).collect();
    Ok(Json(json!({ "connections": connections })).into_response())
}

/// A name from `allowed`, as its constant, or code 3 naming the field.
fn one_of(field: &str, value: &str, allowed: &[&'static str]) -> Result<&'static str, ApiError> {
    allowed
        .iter()
        .copied()
        .find(|known| *known == value)
        .ok_or_else(|| {
            ApiError::invalid_argument(format!("{field} must be one of {}", allowed.join(", ")))
        })
}

/// Creates an organization's SSO connection (`type` OIDC or SAML,
/// `provider` absent: OKTA), disabled and in progress. Shared by REST and
/// gRPC.
pub(crate) fn create(
    state: &AppState,
    id: &str,
    connection_type: Option<&str>,
    provider: Option<&str>,
) -> Result<Connection, ApiError> {
    let connection_type = one_of(
        "type",
        connection_type.unwrap_or_default(),
        &CONNECTION_TYPES,
    )?;
    let provider = match provider {
        None | Some("") => CONNECTION_PROVIDER,
        Some(name) => one_of("provider", name, &PROVIDERS)?,
    };
    organizations::get(state, id)?;
    state
        .store
        .create_connection(id, connection_type, provider)
        .map_err(|error| organizations::admin_error(error, id))
}

/// Deletes an organization's connection. Shared by REST and gRPC.
pub(crate) fn delete(state: &AppState, id: &str, connection_id: &str) -> Result<(), ApiError> {
    organizations::get(state, id)?;
    state
        .store
        .delete_connection(id, connection_id)
        .map(drop)
        .map_err(|error| organizations::admin_error(error, id))
}

/// The environment's app connections: the emulator has none, so every
/// page is empty; a page token is refused, as none was ever issued.
/// Shared by REST and gRPC.
pub(crate) fn list_app(page_token: Option<&str>) -> Result<Vec<Connection>, ApiError> {
    match page_token {
        None | Some("") => Ok(Vec::new()),
        Some(_) => Err(ApiError::invalid_argument("Invalid page token")),
    }
}

/// Body of `POST .../connections`.
#[derive(Debug, Deserialize)]
struct CreateConnectionBody {
    #[serde(rename = "type")]
    connection_type: Option<String>,
    provider: Option<String>,
}

/// `POST /api/v1/organizations/{organization_id}/connections` → 201.
pub(crate) async fn create_connection(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let request: CreateConnectionBody = json_body(&body)?;
    let connection = create(
        &state,
        &id,
        request.connection_type.as_deref(),
        request.provider.as_deref(),
    )?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "connection": connection.detail_json() })),
    )
        .into_response())
}

/// `DELETE /api/v1/organizations/{organization_id}/connections/{id}` → `{}`.
pub(crate) async fn delete_connection(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, connection_id) = path_params(path)?;
    delete(&state, &id, &connection_id)?;
    Ok(Json(json!({})).into_response())
}

/// `GET /api/v1/connections/app?page_size=&page_token=&provider=&query=`.
pub(crate) async fn list_app_connections(RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let connections = list_app(query_value(&pairs, &["page_token", "pageToken"]))?;
    let connections: Vec<_> = connections.iter().map(Connection::to_json).collect();
    Ok(Json(json!({
        "connections": connections,
        "next_page_token": "",
        "prev_page_token": "",
        "total_size": connections.len(),
    }))
    .into_response())
}
