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
use crate::store::organizations::{Conflict, SETTABLE_FEATURES};

/// Smallest and largest `page_size`; absent means [`DEFAULT_PAGE_SIZE`].
const PAGE_SIZE_RANGE: std::ops::RangeInclusive<usize> = 10..=100;
const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_DISPLAY_NAME: usize = 200;
const MAX_EXTERNAL_ID: usize = 255;

fn organization_response(status: StatusCode, organization: serde_json::Value) -> Response {
    (status, Json(json!({ "organization": organization }))).into_response()
}

/// `GET /api/v1/organizations/{id}`.
pub(crate) async fn get_organization(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    organization_id(&id)?;
    let organization = state
        .store
        .organization(&id)
        .ok_or_else(|| ApiError::organization_not_found(&id))?;
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
    let external_id = path_param(path)?;
    if external_id.is_empty() {
        return Err(ApiError::invalid_argument("ExternalId is required"));
    }
    let organization = state
        .store
        .with_organizations(|organizations| {
            organizations
                .by_external_id(&external_id)
                .map(|o| o.to_json())
        })
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "organization with external id {external_id:?} not found"
            ))
        })?;
    Ok(organization_response(StatusCode::OK, organization))
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
    if token.len() % 2 != 0 || !token.is_ascii() {
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
    let page_size = match page_size.as_deref() {
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
    let offset = match page_token.as_deref() {
        None | Some("") => 0,
        Some(token) => decode_page_token(token)
            .ok_or_else(|| ApiError::invalid_argument("Invalid page token"))?,
    };
    let external_id = external_id.filter(|e| !e.is_empty());

    let (page, total) = state.store.with_organizations(|organizations| {
        let matching: Vec<_> = organizations.filtered(external_id.as_deref()).collect();
        let page: Vec<_> = matching
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|o| o.to_json())
            .collect();
        (page, matching.len())
    });
    let next = offset.saturating_add(page_size);
    let next_page_token = if next < total {
        encode_page_token(next)
    } else {
        String::new()
    };
    let prev_page_token = if offset == 0 {
        String::new()
    } else {
        encode_page_token(offset.saturating_sub(page_size))
    };
    Ok(Json(json!({
        "organizations": page,
        "next_page_token": next_page_token,
        "prev_page_token": prev_page_token,
        "total_size": total,
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

/// `POST /api/v1/organizations` → 201. A duplicate `external_id` answers 409
/// with code 6 (`ALREADY_EXISTS`), grpc-gateway's mapping for that case.
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CreateOrganization = json_body(&body)?;
    let display_name = request.display_name.unwrap_or_default();
    let name_len = display_name.trim().chars().count();
    if name_len == 0 || display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(ApiError::invalid_argument(
            "display_name must be between 1 and 200 characters",
        ));
    }
    let external_id = request.external_id.filter(|e| !e.is_empty());
    if external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > MAX_EXTERNAL_ID)
    {
        return Err(ApiError::invalid_argument(
            "external_id must be at most 255 characters",
        ));
    }
    match state.store.create_organization(
        display_name,
        external_id,
        request.metadata.unwrap_or_default(),
    ) {
        Ok(organization) => Ok(organization_response(
            StatusCode::CREATED,
            organization.to_json(),
        )),
        Err(Conflict::ExternalId(external_id)) => Err(ApiError::already_exists(format!(
            "organization with external id {external_id:?} already exists"
        ))),
        Err(Conflict::Id(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not allocate an organization id",
        )),
    }
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
    organization_id(&id)?;
    let settings: OrganizationSettings = json_body(&body)?;
    if let Some(unknown) = settings
        .features
        .iter()
        .find(|f| !SETTABLE_FEATURES.contains(&f.name.as_str()))
    {
        return Err(ApiError::invalid_argument(format!(
            "unsupported feature {:?}",
            unknown.name
        )));
    }
    let features: Vec<(String, bool)> = settings
        .features
        .into_iter()
        .map(|f| (f.name, f.enabled))
        .collect();
    let organization = state
        .store
        .update_features(&id, &features)
        .ok_or_else(|| ApiError::organization_not_found(&id))?;
    Ok(organization_response(
        StatusCode::OK,
        organization.to_json(),
    ))
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
