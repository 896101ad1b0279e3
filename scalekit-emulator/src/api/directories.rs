//! `GET /api/v1/organizations/{organization_id}/directories`: the
//! organization's SCIM directories.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{organization_id, path_param};
use crate::state::AppState;

/// Lists directories: 200 `{"directories":[...]}`; 404 for an unknown
/// organization.
pub(crate) async fn list_directories(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    organization_id(&id)?;
    let organization = state
        .store
        .organization(&id)
        .ok_or_else(|| ApiError::organization_not_found(&id))?;
    let directories: Vec<_> = organization.directory.iter().map(|d| d.to_json()).collect();
    Ok(Json(json!({ "directories": directories })).into_response())
}
