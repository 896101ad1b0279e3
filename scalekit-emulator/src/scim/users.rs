//! `/Users`: create, get, list (filter, paging), replace, PATCH, delete.

use axum::{
    extract::{Path, Query, rejection::QueryRejection},
    http::{StatusCode, header},
    response::Response,
};
use bytes::Bytes;

use crate::scim::error::ScimError;
use crate::scim::patch;
use crate::scim::request::{ListQuery, ScimDirectory, json_body};
use crate::scim::resources::{self, scim_json};
use crate::state::AppState;

/// `POST /Users`: 201 with the resource; 409 `uniqueness` for a taken
/// `userName`.
pub(crate) async fn create(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let view = state
        .store
        .scim_create_user(&directory.id, json_body(&body)?)?;
    let resource = resources::user(&directory.base, &view);
    let mut response = scim_json(StatusCode::CREATED, &resource);
    if let Some(location) = resource["meta"]["location"]
        .as_str()
        .and_then(|l| l.parse().ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /Users/{id}`.
pub(crate) async fn get(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let view = state.store.directory_user(&directory.id, &id)?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::user(&directory.base, &view),
    ))
}

/// `GET /Users?filter=...&startIndex=...&count=...`.
pub(crate) async fn list(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ScimError> {
    let Query(query) = query.map_err(|error| ScimError::invalid_value(error.body_text()))?;
    let users = state.store.directory_users(&directory.id)?;
    query.answer(
        users
            .iter()
            .map(|view| resources::user(&directory.base, view)),
    )
}

/// `PUT /Users/{id}`: replaces every attribute.
pub(crate) async fn replace(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let view = state
        .store
        .scim_update_user(&directory.id, &id, |_| Ok::<_, ScimError>(body))?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::user(&directory.base, &view),
    ))
}

/// `PATCH /Users/{id}`.
pub(crate) async fn update(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let message = json_body(&body)?;
    let view = state
        .store
        .scim_update_user(&directory.id, &id, |current| {
            patch::apply(current, &message)
        })?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::user(&directory.base, &view),
    ))
}

/// `DELETE /Users/{id}`: 204.
pub(crate) async fn delete(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ScimError> {
    state.store.scim_delete_user(&directory.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
