//! `POST /magicLink/{id}/features`: what the portal page's Enable/Disable
//! buttons call.
//!
//! Request: header `X-Portal-Session: <secret from the page>`, JSON body
//! `{"feature":"sso"|"dir_sync","enabled":bool}`. The change is written to
//! the organization's settings (so `GET /api/v1/organizations/{id}` shows
//! it). Response 200:
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
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::errors::ApiError;
use crate::organization::{DIR_SYNC, SSO};
use crate::organizations::{json_body, path_param};
use crate::portal_events::{self, Vocabulary};
use crate::portal_store::SessionError;
use crate::state::{AppState, lock};

/// Header carrying the portal session secret.
pub(crate) const SESSION_HEADER: &str = "x-portal-session";

#[derive(Debug, Deserialize)]
struct ToggleRequest {
    feature: String,
    enabled: bool,
}

/// The sections a session shows: the known features the link asked for, or
/// both when it asked for none of them.
pub(crate) fn shown_features(requested: &[String]) -> (bool, bool) {
    let sso = requested.iter().any(|f| f == SSO);
    let dir_sync = requested.iter().any(|f| f == DIR_SYNC);
    if sso || dir_sync {
        (sso, dir_sync)
    } else {
        (true, true)
    }
}

/// Applies one button press.
pub(crate) async fn toggle_feature(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = path_param(path)?;
    let secret = headers
        .get(SESSION_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let request: ToggleRequest = json_body(&body)?;
    if request.feature != SSO && request.feature != DIR_SYNC {
        return Err(ApiError::invalid_argument(format!(
            "feature must be \"sso\" or \"dir_sync\", got {:?}",
            request.feature
        )));
    }

    let organization_id = {
        let portal = lock(&state.portal);
        let session = portal.session(&key, secret).map_err(|err| match err {
            SessionError::Expired => ApiError::unauthenticated("portal session expired"),
            SessionError::Invalid => ApiError::unauthenticated("invalid portal session"),
        })?;
        let (sso, dir_sync) = shown_features(&session.features);
        let allowed = if request.feature == SSO {
            sso
        } else {
            dir_sync
        };
        if !allowed {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("this portal link does not include {}", request.feature),
            ));
        }
        session.organization_id.clone()
    };

    let vocabulary = Vocabulary::from_legacy_flag(state.legacy_events());
    let mut organizations = lock(&state.organizations);
    let organization = organizations
        .get_mut(&organization_id)
        .ok_or_else(|| ApiError::not_found(format!("organization {organization_id} not found")))?;
    organization.set_feature(&request.feature, request.enabled);
    let (data, event, status_text) = if request.feature == SSO {
        (
            portal_events::connection_data(organization, request.enabled),
            portal_events::sso_toggled(vocabulary, organization, request.enabled),
            if request.enabled {
                "SSO enabled"
            } else {
                "SSO disabled"
            },
        )
    } else {
        (
            portal_events::directory_data(organization, request.enabled),
            portal_events::directory_toggled(vocabulary, organization, request.enabled),
            if request.enabled {
                "Directory sync enabled"
            } else {
                "Directory sync disabled"
            },
        )
    };
    tracing::debug!(
        organization = %organization_id,
        feature = %request.feature,
        enabled = request.enabled,
        "portal toggle"
    );
    Ok(Json(json!({
        "feature": request.feature,
        "enabled": request.enabled,
        "organization_id": organization_id,
        "data": data,
        "event": event,
        "status_text": status_text,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_requested_sections_or_both() {
        assert_eq!(shown_features(&[]), (true, true));
        assert_eq!(shown_features(&["fancy".into()]), (true, true));
        assert_eq!(shown_features(&["sso".into()]), (true, false));
        assert_eq!(
            shown_features(&["dir_sync".into(), "x".into()]),
            (false, true)
        );
    }
}
