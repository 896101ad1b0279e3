//! An organization's domains under
//! `/api/v1/organizations/{organization_id}/domains`: list
//! (`?page_size=&page_number=&domain_type=`), create, get and delete.

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
    json_body, organization_id, path_param, path_params, query_number, query_pairs, query_value,
};
use crate::api::organizations::{self, OrganizationRef};
use crate::state::AppState;
use crate::store::DomainError;
use crate::store::domains::{
    self as domain_types, Domain, MAX_DOMAINS_PER_ORGANIZATION, ORGANIZATION_DOMAIN,
};
use crate::store::organizations::DomainRefusal;

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

/// The API error for a refused domain action.
pub(crate) fn domain_error(err: DomainError) -> ApiError {
    match err {
        DomainError::UnknownOrganization => ApiError::not_found("organization not found"),
        DomainError::UnknownDomain => ApiError::not_found("domain not found"),
        DomainError::Refused(DomainRefusal::Invalid(reason)) => ApiError::invalid_argument(reason),
        DomainError::Refused(DomainRefusal::Duplicate(name)) => {
            ApiError::already_exists(format!("{name} is already added"))
        }
        DomainError::Refused(DomainRefusal::TooMany) => ApiError::invalid_argument(format!(
            "an organization can hold at most {MAX_DOMAINS_PER_ORGANIZATION} domains; delete one first"
        )),
    }
}

/// Adds a domain (`domain_type` absent: `ORGANIZATION_DOMAIN`), pending
/// verification. Shared by REST and gRPC.
pub(crate) fn create(
    state: &AppState,
    organization: OrganizationRef<'_>,
    name: &str,
    domain_type: Option<&str>,
) -> Result<Domain, ApiError> {
    let kind = match domain_type {
        None | Some("") => ORGANIZATION_DOMAIN,
        Some(name) => domain_types::domain_type(name).ok_or_else(|| {
            ApiError::invalid_argument(
                "domain_type must be ORGANIZATION_DOMAIN or ALLOWED_EMAIL_DOMAIN",
            )
        })?,
    };
    let id = organizations::resolve(state, organization)?.id;
    state
        .store
        .add_domain(&id, name, kind)
        .map_err(domain_error)
}

/// One domain of an organization, or code 5. Shared by REST and gRPC.
pub(crate) fn get_one(
    state: &AppState,
    organization: OrganizationRef<'_>,
    domain_id: &str,
) -> Result<Domain, ApiError> {
    organizations::resolve(state, organization)?
        .domains
        .into_iter()
        .find(|d| d.id == domain_id)
        .ok_or_else(|| domain_error(DomainError::UnknownDomain))
}

/// Deletes a domain of an organization (`organization.domain_deleted`).
/// Shared by REST and gRPC.
pub(crate) fn delete(
    state: &AppState,
    organization: OrganizationRef<'_>,
    domain_id: &str,
) -> Result<Domain, ApiError> {
    let id = organizations::resolve(state, organization)?.id;
    state
        .store
        .delete_domain(&id, domain_id)
        .map_err(domain_error)
}

/// Body of `POST .../domains` (protojson accepts both spellings).
#[derive(Debug, Deserialize)]
struct CreateDomainBody {
    #[serde(default)]
    domain: String,
    #[serde(alias = "domainType")]
    domain_type: Option<String>,
}

fn domain_response(status: StatusCode, domain: &Domain) -> Response {
    (status, Json(json!({ "domain": domain.to_json() }))).into_response()
}

/// `POST /api/v1/organizations/{organization_id}/domains` → 201.
pub(crate) async fn create_domain(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let request: CreateDomainBody = json_body(&body)?;
    let domain = create(
        &state,
        OrganizationRef::Id(&id),
        &request.domain,
        request.domain_type.as_deref(),
    )?;
    Ok(domain_response(StatusCode::CREATED, &domain))
}

/// `GET /api/v1/organizations/{organization_id}/domains/{id}`.
pub(crate) async fn get_domain(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, domain_id) = path_params(path)?;
    let domain = get_one(&state, OrganizationRef::Id(&id), &domain_id)?;
    Ok(domain_response(StatusCode::OK, &domain))
}

/// `DELETE /api/v1/organizations/{organization_id}/domains/{id}` → 200 `{}`.
pub(crate) async fn delete_domain(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, domain_id) = path_params(path)?;
    delete(&state, OrganizationRef::Id(&id), &domain_id)?;
    Ok(Json(json!({})).into_response())
}
