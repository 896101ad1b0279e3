//! The organization REST calls: get, get by external id, list, create and
//! toggle settings.

use std::collections::BTreeMap;

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
use crate::api::extract::{json_body, organization_id, path_param};
use crate::state::AppState;
use crate::store::organizations::{Conflict, Organization, SETTABLE_FEATURES};

/// Smallest and largest `page_size`; absent means [`DEFAULT_PAGE_SIZE`].
const PAGE_SIZE_RANGE: std::ops::RangeInclusive<usize> = 10..=100;
const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_DISPLAY_NAME: usize = 200;
const MAX_EXTERNAL_ID: usize = 255;

fn organization_response(status: StatusCode, organization: serde_json::Value) -> Response {
    (status, Json(json!({ "organization": organization }))).into_response()
}

/// An existing organization by id, or code 3 / code 5. Shared by REST and
/// gRPC.
pub(crate) fn get(state: &AppState, id: &str) -> Result<Organization, ApiError> {
    organization_id(id)?;
    state
        .store
        .organization(id)
        .ok_or_else(|| ApiError::organization_not_found(id))
}

/// An existing organization by external id, or code 3 / code 5. Shared by
/// REST and gRPC.
pub(crate) fn get_by_external_id(
    state: &AppState,
    external_id: &str,
) -> Result<Organization, ApiError> {
    if external_id.is_empty() {
        return Err(ApiError::invalid_argument("ExternalId is required"));
    }
    state
        .store
        .with_organizations(|organizations| organizations.by_external_id(external_id).cloned())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "organization with external id {external_id:?} not found"
            ))
        })
}

/// `GET /api/v1/organizations/{id}`.
pub(crate) async fn get_organization(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let organization = get(&state, &path_param(path)?)?;
    Ok(organization_response(
        StatusCode::OK,
        organization.to_json(),
    ))
}

/// `GET /api/v1/organizations:external/{external_id}`.
pub(crate) async fn get_organization_by_external_id(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let organization = get_by_external_id(&state, &path_param(path)?)?;
    Ok(organization_response(
        StatusCode::OK,
        organization.to_json(),
    ))
}

/// Encodes a list offset as an opaque page token.
fn encode_page_token(offset: usize) -> String {
    format!("offset:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Decodes a page token made by [`encode_page_token`].
fn decode_page_token(token: &str) -> Option<usize> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// One page of organizations and the tokens around it.
#[derive(Debug)]
pub(crate) struct OrganizationPage {
    pub(crate) organizations: Vec<Organization>,
    pub(crate) next_page_token: String,
    pub(crate) prev_page_token: String,
    pub(crate) total_size: usize,
}

/// Lists organizations: `page_size` absent means 10, else 10 to 100; the
/// token comes from an earlier page. Shared by REST and gRPC.
pub(crate) fn list_page(
    state: &AppState,
    page_size: Option<&str>,
    page_token: Option<&str>,
    external_id: Option<&str>,
) -> Result<OrganizationPage, ApiError> {
    let page_size = match page_size {
        None | Some("") => DEFAULT_PAGE_SIZE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|size| PAGE_SIZE_RANGE.contains(size))
            .ok_or_else(|| {
                ApiError::invalid_argument(format!(
                    "page_size must be between 10 and 100, got {text:?}"
                ))
            })?,
    };
    let offset = match page_token {
        None | Some("") => 0,
        Some(token) => decode_page_token(token)
            .ok_or_else(|| ApiError::invalid_argument("Invalid page token"))?,
    };
    let external_id = external_id.filter(|e| !e.is_empty());

    let (organizations, total_size) = state.store.with_organizations(|organizations| {
        let matching: Vec<_> = organizations.filtered(external_id).collect();
        let page: Vec<_> = matching
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|o| (*o).clone())
            .collect();
        (page, matching.len())
    });
    let next = offset.saturating_add(page_size);
    let next_page_token = if next < total_size {
        encode_page_token(next)
    } else {
        String::new()
    };
    let prev_page_token = if offset == 0 {
        String::new()
    } else {
        encode_page_token(offset.saturating_sub(page_size))
    };
    Ok(OrganizationPage {
        organizations,
        next_page_token,
        prev_page_token,
        total_size,
    })
}

/// `GET /api/v1/organizations?page_size=&page_token=&external_id=`.
pub(crate) async fn list_organizations(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut page_size = None;
    let mut page_token = None;
    let mut external_id = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "page_size" | "pageSize" => page_size = Some(value.into_owned()),
            "page_token" | "pageToken" => page_token = Some(value.into_owned()),
            "external_id" | "externalId" => external_id = Some(value.into_owned()),
            _ => {}
        }
    }
    let page = list_page(
        &state,
        page_size.as_deref(),
        page_token.as_deref(),
        external_id.as_deref(),
    )?;
    let organizations: Vec<_> = page.organizations.iter().map(|o| o.to_json()).collect();
    Ok(Json(json!({
        "organizations": organizations,
        "next_page_token": page.next_page_token,
        "prev_page_token": page.prev_page_token,
        "total_size": page.total_size,
    }))
    .into_response())
}

/// Body of `POST /api/v1/organizations` (protojson accepts both spellings).
#[derive(Debug, Deserialize)]
struct CreateOrganization {
    #[serde(alias = "displayName")]
    display_name: Option<String>,
    #[serde(alias = "externalId")]
    external_id: Option<String>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
}

/// Creates an organization after checking its fields. A duplicate
/// `external_id` is code 6 (`ALREADY_EXISTS`). Shared by REST and gRPC.
pub(crate) fn create(
    state: &AppState,
    display_name: String,
    external_id: Option<String>,
    metadata: BTreeMap<String, String>,
) -> Result<Organization, ApiError> {
    let name_len = display_name.trim().chars().count();
    if name_len == 0 || display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(ApiError::invalid_argument(
            "display_name must be between 1 and 200 characters",
        ));
    }
    let external_id = external_id.filter(|e| !e.is_empty());
    if external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > MAX_EXTERNAL_ID)
    {
        return Err(ApiError::invalid_argument(
            "external_id must be at most 255 characters",
        ));
    }
    match state
        .store
        .create_organization(display_name, external_id, metadata)
    {
        Ok(organization) => Ok(organization),
        Err(Conflict::ExternalId(external_id)) => Err(ApiError::already_exists(format!(
            "organization with external id {external_id:?} already exists"
        ))),
        Err(Conflict::Id(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not allocate an organization id",
        )),
    }
}

/// `POST /api/v1/organizations` → 201. A duplicate `external_id` answers 409
/// with code 6 (`ALREADY_EXISTS`), grpc-gateway's mapping for that case.
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CreateOrganization = json_body(&body)?;
    let organization = create(
        &state,
        request.display_name.unwrap_or_default(),
        request.external_id,
        request.metadata.unwrap_or_default(),
    )?;
    Ok(organization_response(
        StatusCode::CREATED,
        organization.to_json(),
    ))
}

#[derive(Debug, Deserialize)]
struct FeatureToggle {
    name: String,
    enabled: bool,
}

#[derive(Debug, Deserialize)]
struct OrganizationSettings {
    #[serde(default)]
    features: Vec<FeatureToggle>,
}

/// `PATCH /api/v1/organizations/{id}/settings`. Feature names other than the
/// documented four (`sso`, `dir_sync`, `domain_verification`,
/// `session_policy`) answer 400.
pub(crate) async fn update_settings(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let settings: OrganizationSettings = json_body(&body)?;
    let features: Vec<(String, bool)> = settings
        .features
        .into_iter()
        .map(|f| (f.name, f.enabled))
        .collect();
    let organization = update_features(&state, &id, &features)?;
    Ok(organization_response(
        StatusCode::OK,
        organization.to_json(),
    ))
}

/// Sets feature toggles of an existing organization; names other than
/// [`SETTABLE_FEATURES`] are code 3. Shared by REST and gRPC.
pub(crate) fn update_features(
    state: &AppState,
    id: &str,
    features: &[(String, bool)],
) -> Result<Organization, ApiError> {
    organization_id(id)?;
    if let Some((unknown, _)) = features
        .iter()
        .find(|(name, _)| !SETTABLE_FEATURES.contains(&name.as_str()))
    {
        return Err(ApiError::invalid_argument(format!(
            "unsupported feature {unknown:?}"
        )));
    }
    state
        .store
        .update_features(id, features)
        .ok_or_else(|| ApiError::organization_not_found(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        for offset in [0, 10, 12345] {
            assert_eq!(decode_page_token(&encode_page_token(offset)), Some(offset));
        }
        for bad in ["x", "abc", "zz", "6f", "ü1", "6f66667365743a2d31"] {
            assert_eq!(decode_page_token(bad), None, "{bad}");
        }
    }
}
