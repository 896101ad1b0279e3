//! The portal page's domain section: add a domain, verify it, delete it.
//!
//! - `POST /magicLink/{id}/domains` with `{"domain":"example.com"}` adds a
//!   pending domain;
//! - `POST /magicLink/{id}/domains/{domain_id}/verify` runs a DNS
//!   verification whose outcome the fault controls decide;
//! - `DELETE /magicLink/{id}/domains/{domain_id}` removes it.
//!
//! Each needs the `X-Portal-Session` header of a session whose page shows
//! the domain section, and answers 200 `{"domain":{...},"html":"<li>...",
//! "status_text":"..."}` where `html` is the list's new content (from the
//! same template as the page). Errors use the REST error shape: 400 for a
//! bad name, 409 for a domain the organization already has, 404 for an
//! unknown domain, 401 for an ended session, 403 when the page has no
//! domain section.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::PathRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::domains::domain_error;
use crate::api::errors::ApiError;
use crate::api::extract::{json_body, path_param, path_params};
use crate::portal::modules::{not_in_session, session_for};
use crate::portal::templates::render_domain_list;
use crate::state::AppState;
use crate::store::domains::{Domain, ORGANIZATION_DOMAIN, VerificationStatus};
use crate::store::organizations::DOMAIN_VERIFICATION;

#[derive(Debug, Deserialize)]
struct AddDomain {
    domain: String,
}

/// The organization behind a session whose page shows the domain section.
fn domain_session(state: &AppState, key: &str, headers: &HeaderMap) -> Result<String, ApiError> {
    let (_, organization, modules) = session_for(state, key, headers)?;
    if !modules.domains {
        return Err(not_in_session(DOMAIN_VERIFICATION));
    }
    Ok(organization.id)
}

/// The answer to a domain action: the domain, the list's new HTML, a status
/// line.
fn answer(
    state: &AppState,
    organization_id: &str,
    domain: &Domain,
    status_text: String,
) -> Response {
    let domains = state
        .store
        .organization(organization_id)
        .map(|o| o.domains)
        .unwrap_or_default();
    let body: Value = json!({
        "domain": domain.to_json(),
        "html": render_domain_list(&domains),
        "status_text": status_text,
    });
    Json(body).into_response()
}

/// `POST /magicLink/{id}/domains`.
pub(crate) async fn add_domain(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = path_param(path)?;
    let request: AddDomain = json_body(&body)?;
    let organization_id = domain_session(&state, &key, &headers)?;
    let domain = state
        .store
        .add_domain(&organization_id, &request.domain, ORGANIZATION_DOMAIN)
        .map_err(domain_error)?;
    let text = format!("{} added: publish its TXT record, then verify", domain.name);
    Ok(answer(&state, &organization_id, &domain, text))
}

/// `POST /magicLink/{id}/domains/{domain_id}/verify`.
pub(crate) async fn verify_domain(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (key, domain_id) = path_params(path)?;
    let organization_id = domain_session(&state, &key, &headers)?;
    let domain = state
        .store
        .verify_domain(&organization_id, &domain_id)
        .map_err(domain_error)?;
    let text = match domain.verification_status {
        VerificationStatus::Verified => format!("{} verified", domain.name),
        _ => format!(
            "{}: the TXT record was not found; check it and verify again",
            domain.name
        ),
    };
    Ok(answer(&state, &organization_id, &domain, text))
}

/// `DELETE /magicLink/{id}/domains/{domain_id}`.
pub(crate) async fn delete_domain(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (key, domain_id) = path_params(path)?;
    let organization_id = domain_session(&state, &key, &headers)?;
    let domain = state
        .store
        .delete_domain(&organization_id, &domain_id)
        .map_err(domain_error)?;
    let text = format!("{} deleted", domain.name);
    Ok(answer(&state, &organization_id, &domain, text))
}
