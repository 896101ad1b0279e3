//! `GET /api/v1/organizations/{organization_id}/domains?page_size=&page_number=&domain_type=`:
//! the organization's domains and their verification status.

use axum::{
    Json,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{organization_id, path_param, query_number, query_pairs, query_value};
use crate::api::organizations;
use crate::state::AppState;
use crate::store::domains::Domain;

/// `page_size` when absent.
const DEFAULT_PAGE_SIZE: usize = 30;
/// The largest `page_size`.
const MAX_PAGE_SIZE: usize = 100;
/// The largest `page_number` (an `int32`).
pub(crate) const MAX_PAGE_NUMBER: usize = i32::MAX as usize;

/// One page of an organization's domains (pages numbered from 0), or
/// code 3 / code 5. Shared by REST and gRPC.
pub(crate) fn list(
    state: &AppState,
    id: &str,
    page_size: Option<usize>,
    page_number: Option<usize>,
    domain_type: Option<&str>,
) -> Result<Vec<Domain>, ApiError> {
    organization_id(id)?;
    if page_size.is_some_and(|size| !(1..=MAX_PAGE_SIZE).contains(&size)) {
        return Err(ApiError::invalid_argument(format!(
            "page_size must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let page_number = page_number.unwrap_or(0);
    let wanted_type = match domain_type {
        None => None,
        Some(kind @ ("ORGANIZATION_DOMAIN" | "ALLOWED_EMAIL_DOMAIN")) => Some(kind),
        Some(other) => {
            return Err(ApiError::invalid_argument(format!(
                "domain_type must be ORGANIZATION_DOMAIN or ALLOWED_EMAIL_DOMAIN, got {other:?}"
            )));
        }
    };
    let organization = organizations::get(state, id)?;
    Ok(organization
        .domains
        .into_iter()
        .filter(|d| wanted_type.is_none_or(|kind| kind == d.domain_type))
        .skip(page_number.saturating_mul(page_size))
        .take(page_size)
        .collect())
}

/// Lists domains: 200 `{"domains":[...],"page_number","page_size"}`; 404 for
/// an unknown organization. Pages are numbered from 0.
pub(crate) async fn list_domains(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    organization_id(&id)?;
    let pairs = query_pairs(query.as_deref());
    let page_size = query_number(&pairs, &["page_size", "pageSize"], 1..=MAX_PAGE_SIZE)?;
    let page_number = query_number(&pairs, &["page_number", "pageNumber"], 0..=MAX_PAGE_NUMBER)?;
    let domains = list(
        &state,
        &id,
        page_size,
        page_number,
        query_value(&pairs, &["domain_type", "domainType"]),
    )?;
    let domains: Vec<_> = domains.iter().map(Domain::to_json).collect();
    Ok(Json(json!({
        "domains": domains,
        "page_number": page_number.unwrap_or(0),
        "page_size": domains.len(),
    }))
    .into_response())
}
