//! The organization REST calls: get (by id or external id), create,
//! update, delete and feature settings. Lists and searches are in
//! [`organization_pages`](crate::api::organization_pages).

use std::collections::BTreeMap;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{json_body, organization_id, path_param};
use crate::state::AppState;
use crate::store::admin::{AdminError, OrganizationPatch};
use crate::store::organizations::{
    Conflict, Organization, SETTABLE_FEATURES, validate_display_name,
};

const MAX_EXTERNAL_ID: usize = 255;
const MAX_SLUG: usize = 255;
const MAX_LOGO_URL: usize = 2048;

fn organization_response(status: StatusCode, organization: &Organization) -> Response {
    (
        status,
        Json(json!({ "organization": organization.to_json() })),
    )
        .into_response()
}

/// How a request names an organization.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OrganizationRef<'a> {
    /// By Scalekit id (`org_...`).
    Id(&'a str),
    /// By the app's external id.
    ExternalId(&'a str),
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

/// The organization a request names, or code 3 / code 5.
pub(crate) fn resolve(
    state: &AppState,
    reference: OrganizationRef<'_>,
) -> Result<Organization, ApiError> {
    match reference {
        OrganizationRef::Id(id) => get(state, id),
        OrganizationRef::ExternalId(external_id) => get_by_external_id(state, external_id),
    }
}

/// `GET /api/v1/organizations/{id}`.
pub(crate) async fn get_organization(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let organization = get(&state, &path_param(path)?)?;
    Ok(organization_response(StatusCode::OK, &organization))
}

/// `GET /api/v1/organizations:external/{external_id}`.
pub(crate) async fn get_organization_by_external_id(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let organization = get_by_external_id(&state, &path_param(path)?)?;
    Ok(organization_response(StatusCode::OK, &organization))
}

/// The writable fields of an organization, as create and update send
/// them (protojson accepts both spellings).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OrganizationFields {
    #[serde(alias = "displayName")]
    pub(crate) display_name: Option<String>,
    #[serde(alias = "externalId")]
    pub(crate) external_id: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
    pub(crate) slug: Option<String>,
    #[serde(alias = "logoUrl")]
    pub(crate) logo_url: Option<String>,
}

/// A field at most `max` characters long, or code 3 naming it.
fn check_length(name: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(ApiError::invalid_argument(format!(
            "{name} must be at most {max} characters"
        )));
    }
    Ok(())
}

impl OrganizationFields {
    /// The fields with empty optional strings dropped, each checked.
    fn checked(self) -> Result<OrganizationPatch, ApiError> {
        let non_empty = |value: Option<String>| value.filter(|v| !v.is_empty());
        let patch = OrganizationPatch {
            display_name: self.display_name,
            external_id: non_empty(self.external_id),
            metadata: self.metadata.filter(|m| !m.is_empty()),
            slug: non_empty(self.slug),
            logo_url: non_empty(self.logo_url),
        };
        if let Some(name) = &patch.display_name {
            validate_display_name(name).map_err(ApiError::invalid_argument)?;
        }
        check_length("external_id", patch.external_id.as_deref(), MAX_EXTERNAL_ID)?;
        check_length("slug", patch.slug.as_deref(), MAX_SLUG)?;
        check_length("logo_url", patch.logo_url.as_deref(), MAX_LOGO_URL)?;
        Ok(patch)
    }
}

/// Creates an organization after checking its fields. A duplicate
/// `external_id` is code 6 (`ALREADY_EXISTS`). Shared by REST and gRPC.
pub(crate) fn create(
    state: &AppState,
    fields: OrganizationFields,
) -> Result<Organization, ApiError> {
    let patch = OrganizationFields {
        display_name: Some(fields.display_name.clone().unwrap_or_default()),
        ..fields
    }
    .checked()?;
    match state.store.create_organization(
        patch.display_name.unwrap_or_default(),
        patch.external_id,
        patch.metadata.unwrap_or_default(),
        patch.slug,
        patch.logo_url,
    ) {
        Ok(organization) => Ok(organization),
        Err(Conflict::ExternalId(external_id)) => Err(external_id_taken(&external_id)),
        Err(Conflict::Id(_)) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not allocate an organization id",
        )),
    }
}

fn external_id_taken(external_id: &str) -> ApiError {
    ApiError::already_exists(format!(
        "organization with external id {external_id:?} already exists"
    ))
}

/// Updates the fields an update sets; the others stay. Shared by REST and
/// gRPC.
pub(crate) fn update(
    state: &AppState,
    reference: OrganizationRef<'_>,
    fields: OrganizationFields,
) -> Result<Organization, ApiError> {
    let patch = fields.checked()?;
    let id = resolve(state, reference)?.id;
    state
        .store
        .update_organization(&id, patch)
        .map_err(|error| admin_error(error, &id))
}

/// Deletes an organization and everything it holds. Shared by REST and
/// gRPC.
pub(crate) fn delete(state: &AppState, reference: OrganizationRef<'_>) -> Result<(), ApiError> {
    let id = resolve(state, reference)?.id;
    state
        .store
        .delete_organization(&id)
        .map(drop)
        .map_err(|error| admin_error(error, &id))
}

/// The API error for a refused administrative change of organization `id`.
pub(crate) fn admin_error(error: AdminError, id: &str) -> ApiError {
    match error {
        AdminError::UnknownOrganization => ApiError::organization_not_found(id),
        AdminError::ExternalIdTaken(external_id) => external_id_taken(&external_id),
        AdminError::ConnectionExists(connection) => ApiError::already_exists(format!(
            "organization {id} already has connection {connection}; the emulator keeps one per organization"
        )),
        AdminError::UnknownConnection => {
            ApiError::not_found(format!("connection not found in organization {id}"))
        }
    }
}

/// `POST /api/v1/organizations` → 201. A duplicate `external_id` answers 409
/// with code 6 (`ALREADY_EXISTS`), grpc-gateway's mapping for that case.
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let organization = create(&state, json_body(&body)?)?;
    Ok(organization_response(StatusCode::CREATED, &organization))
}

/// `PATCH /api/v1/organizations/{id}` (body: the fields to change).
pub(crate) async fn update_organization(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let organization = update(&state, OrganizationRef::Id(&id), json_body(&body)?)?;
    Ok(organization_response(StatusCode::OK, &organization))
}

/// `DELETE /api/v1/organizations/{id}` → 200 `{}`.
pub(crate) async fn delete_organization(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    delete(&state, OrganizationRef::Id(&id))?;
    Ok(Json(json!({})).into_response())
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
    Ok(organization_response(StatusCode::OK, &organization))
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
