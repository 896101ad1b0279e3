//! `GET /api/v1/organizations/{organization_id}/directories`: the
//! organization's SCIM directories.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::path_param;
use crate::api::organizations;
use crate::state::AppState;
use crate::store::directories::Directory;

/// The organization's directories, or code 3 / code 5. Shared by REST and
/// gRPC.
pub(crate) fn list(state: &AppState, id: &str) -> Result<Vec<Directory>, ApiError> {
    Ok(organizations::get(state, id)?
        .directory
        .into_iter()
        .collect())
}

/// Lists directories: 200 `{"directories":[...]}`; 404 for an unknown
/// organization.
pub(crate) async fn list_directories(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let directories = list(&state, &path_param(path)?)?;
    let directories: Vec<_> = directories.iter().map(Directory::to_json).collect();
    Ok(Json(json!({ "directories": directories })).into_response())
}
