//! `PUT /api/v1/organizations/{id}/portal_links?features=sso&features=dir_sync`:
//! mint a single-use admin-portal link.

use axum::{
    Json,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{organization_id, path_param};
use crate::format::timefmt::rfc3339;
use crate::state::AppState;
use crate::store::fault_queue::FaultAction;
use time::OffsetDateTime;

/// The repeated `features` values, in order, duplicates dropped. Unknown
/// values are kept: Scalekit passes them through.
pub(crate) fn requested_features(query: Option<&str>) -> Vec<String> {
    let mut features: Vec<String> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "features" && !value.is_empty() && !features.iter().any(|f| *f == value) {
            features.push(value.into_owned());
        }
    }
    features
}

/// A minted link as the API answers it.
#[derive(Debug)]
pub(crate) struct PortalLink {
    pub(crate) id: String,
    /// `None` when an armed shape fault omits it.
    pub(crate) location: Option<String>,
    pub(crate) expire_time: OffsetDateTime,
}

/// Mints a link for an existing organization, applying an armed shape
/// fault to its location. Shared by REST and gRPC.
pub(crate) fn mint(
    state: &AppState,
    id: &str,
    features: Vec<String>,
) -> Result<PortalLink, ApiError> {
    organization_id(id)?;
    let link = state
        .store
        .mint_link(id, features, state.config.link_lifetime)
        .ok_or_else(|| ApiError::organization_not_found(id))?;
    let mut location = Some(format!("{}/magicLink/{}", state.base_url, link.key));
    match state.store.faults.take_link_shape() {
        Some(FaultAction::OmitLocation) => location = None,
        Some(FaultAction::OverrideLocation(other)) => location = Some(other),
        _ => {}
    }
    Ok(PortalLink {
        id: link.id,
        location,
        expire_time: link.expire_time,
    })
}

/// Mints a link: 200 `{"link":{"id","location","expire_time"}}`.
pub(crate) async fn generate_portal_link(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let link = mint(&state, &id, requested_features(query.as_deref()))?;
    let mut body = json!({
        "id": link.id,
        "expire_time": rfc3339(link.expire_time),
    });
    if let (Some(location), Some(map)) = (link.location, body.as_object_mut()) {
        map.insert("location".to_owned(), json!(location));
    }
    let mut response = Json(json!({ "link": body })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_repeated_features_and_keeps_unknown_ones() {
        assert_eq!(
            requested_features(Some(
                "features=sso&x=1&features=dir_sync&features=sso&features=fancy"
            )),
            vec!["sso", "dir_sync", "fancy"]
        );
        assert_eq!(requested_features(Some("features=a%20b")), vec!["a b"]);
        assert!(requested_features(None).is_empty());
    }
}
