//! An organization's session policy
//! (`GET|PATCH /api/v1/organizations/{organization_id}/session-policy`) and
//! user-management settings
//! (`GET|PATCH /api/v1/organizations/{organization_id}/settings/usermanagement`).

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{json_body, path_param};
use crate::api::organizations::{admin_error, get};
use crate::state::AppState;
use crate::store::org_settings::{PolicySource, SessionPolicy, TimeUnit, Timeout, UserManagement};

/// A session-policy update as sent: enum values by name (protojson accepts
/// both spellings of each field).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PolicyUpdate {
    #[serde(alias = "policySource")]
    pub(crate) policy_source: Option<String>,
    #[serde(alias = "absoluteSessionTimeout")]
    pub(crate) absolute_session_timeout: Option<i32>,
    #[serde(alias = "absoluteSessionTimeoutUnit")]
    pub(crate) absolute_session_timeout_unit: Option<String>,
    #[serde(alias = "idleSessionTimeoutEnabled")]
    pub(crate) idle_session_timeout_enabled: Option<bool>,
    #[serde(alias = "idleSessionTimeout")]
    pub(crate) idle_session_timeout: Option<i32>,
    #[serde(alias = "idleSessionTimeoutUnit")]
    pub(crate) idle_session_timeout_unit: Option<String>,
}

/// A positive timeout with its unit, or code 3 naming the field.
fn timeout(name: &str, amount: Option<i32>, unit: Option<&str>) -> Result<Timeout, ApiError> {
    let amount = amount
        .filter(|a| *a > 0)
        .ok_or_else(|| ApiError::invalid_argument(format!("{name} must be a positive number")))?;
    let unit = unit.and_then(TimeUnit::from_name).ok_or_else(|| {
        ApiError::invalid_argument(format!("{name}_unit must be MINUTES, HOURS or DAYS"))
    })?;
    Ok(Timeout { amount, unit })
}

impl PolicyUpdate {
    /// The policy it describes: `APPLICATION` clears the timeouts;
    /// `CUSTOM` needs an absolute timeout, and an idle one when idle
    /// timeouts are enabled.
    fn policy(&self) -> Result<SessionPolicy, ApiError> {
        let source = self
            .policy_source
            .as_deref()
            .and_then(PolicySource::from_name)
            .ok_or_else(|| {
                ApiError::invalid_argument("policy_source must be APPLICATION or CUSTOM")
            })?;
        if source == PolicySource::Application {
            return Ok(SessionPolicy::default());
        }
        let absolute = timeout(
            "absolute_session_timeout",
            self.absolute_session_timeout,
            self.absolute_session_timeout_unit.as_deref(),
        )?;
        let idle_enabled = self.idle_session_timeout_enabled.unwrap_or(false);
        let idle = if idle_enabled {
            Some(timeout(
                "idle_session_timeout",
                self.idle_session_timeout,
                self.idle_session_timeout_unit.as_deref(),
            )?)
        } else {
            None
        };
        Ok(SessionPolicy {
            source,
            absolute: Some(absolute),
            idle_enabled: Some(idle_enabled),
            idle,
        })
    }
}

/// An organization's session policy. Shared by REST and gRPC.
pub(crate) fn session_policy(state: &AppState, id: &str) -> Result<SessionPolicy, ApiError> {
    Ok(get(state, id)?.session_policy)
}

/// Sets an organization's session policy. Shared by REST and gRPC.
pub(crate) fn update_session_policy(
    state: &AppState,
    id: &str,
    update: &PolicyUpdate,
) -> Result<SessionPolicy, ApiError> {
    get(state, id)?;
    let policy = update.policy()?;
    state
        .store
        .set_session_policy(id, policy)
        .map_err(|error| admin_error(error, id))
}

/// An organization's user-management settings. Shared by REST and gRPC.
pub(crate) fn user_management(state: &AppState, id: &str) -> Result<UserManagement, ApiError> {
    Ok(get(state, id)?.user_management)
}

/// Sets an organization's user limit (`None`: no limit). Shared by REST
/// and gRPC.
pub(crate) fn upsert_user_management(
    state: &AppState,
    id: &str,
    max_allowed_users: Option<i32>,
) -> Result<UserManagement, ApiError> {
    get(state, id)?;
    if max_allowed_users.is_some_and(|max| max < 0) {
        return Err(ApiError::invalid_argument(
            "max_allowed_users must not be negative",
        ));
    }
    state
        .store
        .set_user_management(id, UserManagement { max_allowed_users })
        .map_err(|error| admin_error(error, id))
}

fn policy_response(policy: &SessionPolicy) -> Response {
    Json(json!({ "policy": policy.to_json() })).into_response()
}

fn settings_response(settings: UserManagement) -> Response {
    Json(json!({ "settings": settings.to_json() })).into_response()
}

/// `GET /api/v1/organizations/{organization_id}/session-policy`.
pub(crate) async fn get_session_policy(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    Ok(policy_response(&session_policy(&state, &id)?))
}

/// `PATCH /api/v1/organizations/{organization_id}/session-policy`.
pub(crate) async fn patch_session_policy(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let update: PolicyUpdate = json_body(&body)?;
    Ok(policy_response(&update_session_policy(
        &state, &id, &update,
    )?))
}

#[derive(Debug, Default, Deserialize)]
struct UserManagementBody {
    #[serde(default)]
    settings: UserManagementFields,
}

#[derive(Debug, Default, Deserialize)]
struct UserManagementFields {
    #[serde(alias = "maxAllowedUsers")]
    max_allowed_users: Option<i32>,
}

/// `GET /api/v1/organizations/{organization_id}/settings/usermanagement`.
pub(crate) async fn get_user_management(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    Ok(settings_response(user_management(&state, &id)?))
}

/// `PATCH /api/v1/organizations/{organization_id}/settings/usermanagement`
/// (body `{"settings":{"max_allowed_users":N}}`).
pub(crate) async fn patch_user_management(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_param(path)?;
    let body: UserManagementBody = json_body(&body)?;
    Ok(settings_response(upsert_user_management(
        &state,
        &id,
        body.settings.max_allowed_users,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_policies_need_their_timeouts() {
        let application = PolicyUpdate {
            policy_source: Some("APPLICATION".into()),
            absolute_session_timeout: Some(5),
            ..Default::default()
        };
        assert_eq!(application.policy().unwrap(), SessionPolicy::default());
        let mut custom = PolicyUpdate {
            policy_source: Some("CUSTOM".into()),
            absolute_session_timeout: Some(90),
            absolute_session_timeout_unit: Some("MINUTES".into()),
            idle_session_timeout_enabled: Some(true),
            idle_session_timeout: Some(30),
            idle_session_timeout_unit: Some("MINUTES".into()),
        };
        let policy = custom.policy().unwrap();
        assert_eq!(policy.idle.unwrap().amount, 30);
        custom.idle_session_timeout = Some(0);
        assert!(custom.policy().is_err());
        custom.idle_session_timeout_enabled = Some(false);
        assert_eq!(custom.policy().unwrap().idle, None);
        custom.absolute_session_timeout_unit = None;
        assert!(custom.policy().is_err());
        assert!(PolicyUpdate::default().policy().is_err());
    }
}
