//! `/Groups`: create, get, list (filter, paging), replace, PATCH, delete.

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

/// `POST /Groups`: 201 with the resource (members must be the
/// directory's users).
pub(crate) async fn create(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let view = state
        .store
        .scim_create_group(&directory.id, json_body(&body)?)?;
    let resource = resources::group(&directory.base, &view, false);
    let mut response = scim_json(StatusCode::CREATED, &resource);
    if let Some(location) = resource["meta"]["location"]
        .as_str()
        .and_then(|l| l.parse().ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /Groups/{id}`.
pub(crate) async fn get(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let view = state.store.directory_group(&directory.id, &id)?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::group(&directory.base, &view, false),
    ))
}

/// `GET /Groups?filter=...&startIndex=...&count=...`.
pub(crate) async fn list(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ScimError> {
    let Query(query) = query.map_err(|error| ScimError::invalid_value(error.body_text()))?;
    let without_members = query.excludes("members");
    let groups = state.store.directory_groups(&directory.id)?;
    query.answer(
        groups
            .iter()
            .map(|view| resources::group(&directory.base, view, without_members)),
    )
}

/// `PUT /Groups/{id}`: replaces every attribute.
pub(crate) async fn replace(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let view = state
        .store
        .scim_update_group(&directory.id, &id, |_| Ok::<_, ScimError>(body))?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::group(&directory.base, &view, false),
    ))
}

/// `PATCH /Groups/{id}`.
pub(crate) async fn update(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let message = json_body(&body)?;
    let view = state
        .store
        .scim_update_group(&directory.id, &id, |current| {
            patch::apply(current, &message)
        })?;
    Ok(scim_json(
        StatusCode::OK,
        &resources::group(&directory.base, &view, false),
    ))
}

/// `DELETE /Groups/{id}`: 204.
pub(crate) async fn delete(
    directory: ScimDirectory,
    axum::extract::State(state): axum::extract::State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ScimError> {
    state.store.scim_delete_group(&directory.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
