//! The directory calls under `/api/v1/organizations/{organization_id}/directories`:
//! list, create, get (with its counts, sync times, SCIM endpoint and secret
//! hints), enable/disable (`{id}:enable`, `{id}:disable`) and the SCIM
//! secret (`{id}/secrets`, `{id}/secrets:regenerate`, the plain secret
//! answered once).

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::api::errors::ApiError;
use crate::api::extract::{path_param, path_params};
use crate::api::organizations;
use crate::format::timefmt::rfc3339;
use crate::state::AppState;
use crate::store::directories::Directory;
use crate::store::directory_book::DirectoryError;

/// The organization's directories, or code 3 / code 5. Shared by REST and
/// gRPC.
pub(crate) fn list(state: &AppState, id: &str) -> Result<Vec<Directory>, ApiError> {
    Ok(organizations::get(state, id)?
        .directory
        .into_iter()
        .collect())
}

/// A directory error as the REST API answers it.
pub(crate) fn api_error(error: DirectoryError, organization_id: &str) -> ApiError {
    match error {
        DirectoryError::UnknownOrganization => ApiError::organization_not_found(organization_id),
        DirectoryError::UnknownDirectory | DirectoryError::NotFound(_) => {
            ApiError::not_found("directory not found")
        }
        DirectoryError::Invalid(message) => ApiError::invalid_argument(message),
        other => ApiError::invalid_argument(format!("{other:?}")),
    }
}

/// The directory's SCIM base URL.
pub(crate) fn endpoint(state: &AppState, directory_id: &str) -> String {
    format!(
        "{}/api/v1/directories/{directory_id}/scim/v2",
        state.base_url
    )
}

/// The REST representation with the directory's contents: `total_users`,
/// `total_groups`, `last_synced_at`, `stats`, `directory_endpoint` and the
/// secret's hint.
pub(crate) fn directory_json(state: &AppState, directory: &Directory) -> Value {
    let mut json = directory.to_json();
    let contents = state.store.read_directory(&directory.id, |contents| {
        let time = |at: Option<time::OffsetDateTime>| at.map(rfc3339);
        json!({
            "total_users": contents.users.len(),
            "total_groups": contents.groups.len(),
            "last_synced_at": time(contents.last_synced_at),
            "stats": {
                "total_users": contents.users.len(),
                "total_groups": contents.groups.len(),
                "user_updated_at": time(contents.user_updated_at),
                "group_updated_at": time(contents.group_updated_at),
            },
            "secrets": contents
                .secret
                .iter()
                .map(|secret| secret.to_json(&directory.id))
                .collect::<Vec<_>>(),
        })
    });
    if let (Ok(Value::Object(mut contents)), Some(map)) = (contents, json.as_object_mut()) {
        // Unset times are left out, as protobuf JSON does.
        contents.retain(|_, value| !value.is_null());
        if let Some(Value::Object(stats)) = contents.get_mut("stats") {
            stats.retain(|_, value| !value.is_null());
        }
        map.extend(contents);
        map.insert(
            "directory_endpoint".into(),
            json!(endpoint(state, &directory.id)),
        );
    }
    json
}

/// The organization's directory `directory_id` (created, disabled, if the
/// portal was never used), or code 5.
pub(crate) fn get(
    state: &AppState,
    organization_id: &str,
    directory_id: &str,
) -> Result<Directory, ApiError> {
    let organization = organizations::get(state, organization_id)?;
    if organization.directory_id != directory_id {
        return Err(ApiError::not_found(format!(
            "directory {directory_id} not found"
        )));
    }
    match organization.directory {
        Some(directory) => Ok(directory),
        None => create(state, organization_id),
    }
}

/// Creates the organization's directory if it has none (disabled); answers
/// it. Shared by REST and gRPC.
pub(crate) fn create(state: &AppState, organization_id: &str) -> Result<Directory, ApiError> {
    state
        .store
        .ensure_directory(organization_id)
        .ok_or_else(|| ApiError::organization_not_found(organization_id))
}

/// Enables or disables directory sync; answers `{enabled}`.
pub(crate) fn toggle(
    state: &AppState,
    organization_id: &str,
    directory_id: &str,
    enabled: bool,
) -> Result<bool, ApiError> {
    get(state, organization_id, directory_id)?;
    let organization = state
        .store
        .set_directory(organization_id, enabled)
        .ok_or_else(|| ApiError::organization_not_found(organization_id))?;
    Ok(organization
        .directory
        .is_some_and(|directory| directory.enabled))
}

/// Creates or regenerates the SCIM secret: `{plain_secret, secret}`.
pub(crate) fn new_secret(
    state: &AppState,
    organization_id: &str,
    directory_id: &str,
) -> Result<Value, ApiError> {
    get(state, organization_id, directory_id)?;
    let secret = state
        .store
        .create_directory_secret(organization_id, directory_id)
        .map_err(|error| api_error(error, organization_id))?;
    Ok(json!({
        "plain_secret": secret.plain(),
        "secret": secret.to_json(directory_id),
    }))
}

/// `GET .../directories`: 200 `{"directories":[...]}`; 404 for an unknown
/// organization.
pub(crate) async fn list_directories(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let directories = list(&state, &path_param(path)?)?;
    let directories: Vec<_> = directories
        .iter()
        .map(|d| directory_json(&state, d))
        .collect();
    Ok(Json(json!({ "directories": directories })).into_response())
}

/// `POST .../directories`: the organization's directory (one per
/// organization in the emulator).
pub(crate) async fn create_directory(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let directory = create(&state, &path_param(path)?)?;
    Ok(Json(json!({ "directory": directory_json(&state, &directory) })).into_response())
}

/// `GET .../directories/{id}`.
pub(crate) async fn get_directory(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (organization_id, directory_id) = path_params(path)?;
    let directory = get(&state, &organization_id, &directory_id)?;
    Ok(Json(json!({ "directory": directory_json(&state, &directory) })).into_response())
}

/// `PATCH .../directories/{id}:enable` and `{id}:disable`.
pub(crate) async fn toggle_directory(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (organization_id, action) = path_params(path)?;
    let (directory_id, enabled) = match action.rsplit_once(':') {
        Some((id, "enable")) => (id, true),
        Some((id, "disable")) => (id, false),
        _ => return Err(ApiError::not_found("Not Found")),
    };
    let enabled = toggle(&state, &organization_id, directory_id, enabled)?;
    Ok(Json(json!({ "enabled": enabled })).into_response())
}

/// `POST .../directories/{id}/secrets` and `.../secrets:regenerate`.
pub(crate) async fn directory_secret(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path((organization_id, directory_id, action)) =
        path.map_err(|rejection| ApiError::invalid_argument(rejection.body_text()))?;
    if action != "secrets" && action != "secrets:regenerate" {
        return Err(ApiError::not_found("Not Found"));
    }
    Ok(Json(new_secret(&state, &organization_id, &directory_id)?).into_response())
}
