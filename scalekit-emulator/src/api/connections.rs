//! `GET /api/v1/connections?organization_id=&domain=&include=`: the SSO
//! connections of the environment or of one organization.
//!
//! Without `include=all` only active connections (completed and enabled)
//! are listed. `domain` keeps the connections of organizations that hold
//! that domain, verified. An unknown organization lists nothing.

use axum::{
    Json,
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{organization_id, query_pairs, query_value};
use crate::state::AppState;
use crate::store::connections::Connection;
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
