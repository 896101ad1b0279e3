//! `POST /magicLink/{id}/features`: what the portal page's Enable/Disable
//! buttons call.
//!
//! Request: header `X-Portal-Session: <secret from the page>`, JSON body
//! `{"feature":"sso"|"dir_sync","enabled":bool}`. The SSO button creates the
//! organization's connection on first use and enables or disables it; the
//! directory button does the same for its directory. Both also set the
//! organization's feature setting (so `GET /api/v1/organizations/{id}` shows
//! it) and the status reads (`GET /api/v1/connections`, `.../directories`)
//! change with them. Response 200:
//!
//! ```json
//! {"feature":"sso","enabled":true,"organization_id":"org_...","data":{...},"event":{...},"status_text":"SSO enabled"}
//! ```
//!
//! `data` is the connection (SSO) or directory (SCIM) object and `event` the
//! message the page posts to its parent, in the vocabulary in force now.
//! An expired session answers 401 (code 16).

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::PathRejection},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{json_body, path_param};
use crate::portal::events::{self, Vocabulary};
use crate::portal::modules::{not_in_session, session_for};
use crate::state::AppState;
use crate::store::organizations::{DIR_SYNC, SSO};

#[derive(Debug, Deserialize)]
struct ToggleRequest {
    feature: String,
    enabled: bool,
}

/// Applies one button press.
pub(crate) async fn toggle_feature(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = path_param(path)?;
    let request: ToggleRequest = json_body(&body)?;
    let is_sso = match request.feature.as_str() {
        SSO => true,
        DIR_SYNC => false,
        other => {
            return Err(ApiError::invalid_argument(format!(
                "feature must be \"sso\" or \"dir_sync\", got {other:?}"
            )));
        }
    };
    let (_, organization, modules) = session_for(&state, &key, &headers)?;
    if !(if is_sso {
        modules.sso
    } else {
        modules.directory
    }) {
        return Err(not_in_session(&request.feature));
    }

    let vocabulary = Vocabulary::from_legacy_flag(state.legacy_events());
    let id = &organization.id;
    let organization = if is_sso {
        state.store.set_sso(id, request.enabled)
    } else {
        state.store.set_directory(id, request.enabled)
    }
    .ok_or_else(|| ApiError::organization_not_found(id))?;
    let (data, event, status_text) = if is_sso {
        (
            events::connection_data(&organization, request.enabled),
            events::sso_toggled(vocabulary, &organization, request.enabled),
            if request.enabled {
                "SSO enabled"
            } else {
                "SSO disabled"
            },
        )
    } else {
        (
            events::directory_data(&organization, request.enabled),
            events::directory_toggled(vocabulary, &organization, request.enabled),
            if request.enabled {
                "Directory sync enabled"
            } else {
                "Directory sync disabled"
            },
        )
    };
    tracing::debug!(
        organization = %organization.id,
        feature = %request.feature,
        enabled = request.enabled,
        "portal toggle"
    );
    Ok(Json(json!({
        "feature": request.feature,
        "enabled": request.enabled,
        "organization_id": organization.id,
        "data": data,
        "event": event,
        "status_text": status_text,
    }))
    .into_response())
}
