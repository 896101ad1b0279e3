//! `/Users` and `/Groups` (see `kind`): create, get, list (filter,
//! paging), replace, PATCH, delete.

use axum::{
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::Response,
};
use bytes::Bytes;

use crate::scim::error::ScimError;
use crate::scim::kind::ScimKind;
use crate::scim::patch;
use crate::scim::request::{ListQuery, ScimDirectory, json_body};
use crate::scim::resources::scim_json;
use crate::state::AppState;

/// `POST`: 201 with the resource and its `Location`.
pub(crate) async fn create<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let view = K::create(&state.store, &directory.id, json_body(&body)?)?;
    let resource = K::resource(&directory.base, &view, false);
    let mut response = scim_json(StatusCode::CREATED, &resource);
    if let Some(location) = resource["meta"]["location"]
        .as_str()
        .and_then(|l| l.parse().ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /{id}`.
pub(crate) async fn get<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    let view = K::get(&state.store, &directory.id, &id)?;
    Ok(scim_json(
        StatusCode::OK,
        &K::resource(&directory.base, &view, false),
    ))
}

/// `GET ?filter=...&startIndex=...&count=...&excludedAttributes=...`.
pub(crate) async fn list<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ScimError> {
    let Query(query) = query.map_err(|error| ScimError::invalid_value(error.body_text()))?;
    let without_members = query.excludes("members");
    let views = K::list(&state.store, &directory.id)?;
    query.answer(
        views
            .iter()
            .map(|view| K::resource(&directory.base, view, without_members)),
    )
}

/// `PUT /{id}`: replaces every attribute.
pub(crate) async fn replace<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let view = K::update(&state.store, &directory.id, &id, |_| Ok(body))?;
    Ok(scim_json(
        StatusCode::OK,
        &K::resource(&directory.base, &view, false),
    ))
}

/// `PATCH /{id}`.
pub(crate) async fn update<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let message = json_body(&body)?;
    let view = K::update(&state.store, &directory.id, &id, |current| {
        patch::apply(current, &message)
    })?;
    Ok(scim_json(
        StatusCode::OK,
        &K::resource(&directory.base, &view, false),
    ))
}

/// `DELETE /{id}`: 204.
pub(crate) async fn delete<K: ScimKind>(
    directory: ScimDirectory,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ScimError> {
    K::delete(&state.store, &directory.id, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
