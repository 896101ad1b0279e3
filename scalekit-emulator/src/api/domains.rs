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
use crate::state::AppState;

/// `page_size` when absent.
const DEFAULT_PAGE_SIZE: usize = 30;
/// The largest `page_size`.
const MAX_PAGE_SIZE: usize = 100;
/// The largest `page_number` (an `int32`).
const MAX_PAGE_NUMBER: usize = i32::MAX as usize;

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
    let page_size = query_number(&pairs, &["page_size", "pageSize"], 1..=MAX_PAGE_SIZE)?
        .unwrap_or(DEFAULT_PAGE_SIZE);
    let page_number =
        query_number(&pairs, &["page_number", "pageNumber"], 0..=MAX_PAGE_NUMBER)?.unwrap_or(0);
    let wanted_type = match query_value(&pairs, &["domain_type", "domainType"]) {
        None => None,
        Some(kind @ ("ORGANIZATION_DOMAIN" | "ALLOWED_EMAIL_DOMAIN")) => Some(kind),
        Some(other) => {
            return Err(ApiError::invalid_argument(format!(
                "domain_type must be ORGANIZATION_DOMAIN or ALLOWED_EMAIL_DOMAIN, got {other:?}"
            )));
        }
    };
    let organization = state
        .store
        .organization(&id)
        .ok_or_else(|| ApiError::organization_not_found(&id))?;
    let domains: Vec<_> = organization
        .domains
        .iter()
        .filter(|d| wanted_type.is_none_or(|kind| kind == d.domain_type))
        .skip(page_number.saturating_mul(page_size))
        .take(page_size)
        .map(|d| d.to_json())
        .collect();
    Ok(Json(json!({
        "domains": domains,
        "page_number": page_number,
        "page_size": domains.len(),
    }))
    .into_response())
}
