//! The portal page's directory section: the SCIM endpoint to paste into the
//! identity provider and a bearer token to copy.
//!
//! `POST /magicLink/{id}/directory/token` (with the `X-Portal-Session`
//! header of a session whose page shows the directory section) creates a
//! new directory secret, replacing the previous one, and answers
//! `{"endpoint":"...","token":"..."}`: the only time the token is shown.
//! 401 for an ended session, 403 when the page has no directory section.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::directories::{api_error, endpoint};
use crate::api::errors::ApiError;
use crate::api::extract::path_param;
use crate::portal::modules::{not_in_session, session_for};
use crate::state::AppState;
use crate::store::organizations::DIR_SYNC;

/// Creates the directory's SCIM token and answers it once, with the endpoint.
pub(crate) async fn new_token(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = path_param(path)?;
    let (_, organization, modules) = session_for(&state, &key, &headers)?;
    if !modules.directory {
        return Err(not_in_session(DIR_SYNC));
    }
    state
        .store
        .ensure_directory(&organization.id)
        .ok_or_else(|| ApiError::organization_not_found(&organization.id))?;
    let secret = state
        .store
        .create_directory_secret(&organization.id, &organization.directory_id)
        .map_err(|error| api_error(error, &organization.id))?;
    Ok(Json(json!({
        "endpoint": endpoint(&state, &organization.directory_id),
        "token": secret.plain(),
        "status_text": "Copy the token now: it is shown only once.",
    }))
    .into_response())
}
