//! Which sections (modules) a portal session shows, and the check that a
//! request comes from the page that opened the session.

use axum::http::{HeaderMap, StatusCode};

use crate::api::errors::ApiError;
use crate::state::AppState;
use crate::store::organizations::{DIR_SYNC, DOMAIN_VERIFICATION, Organization, SSO};
use crate::store::portal_sessions::{Session, SessionError};

/// Header carrying the portal session secret.
pub(crate) const SESSION_HEADER: &str = "x-portal-session";

/// The sections of one session's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Modules {
    pub(crate) sso: bool,
    pub(crate) directory: bool,
    pub(crate) domains: bool,
}

impl Modules {
    /// The modules the link asked for (all of them when it asked for none
    /// of `sso`, `dir_sync` and `domain_verification`); the domain module
    /// only while the organization's `domain_verification` setting is on.
    pub(crate) fn shown(requested: &[String], organization: &Organization) -> Self {
        let asked = |name: &str| requested.iter().any(|f| f == name);
        let any = asked(SSO) || asked(DIR_SYNC) || asked(DOMAIN_VERIFICATION);
        Self {
            sso: !any || asked(SSO),
            directory: !any || asked(DIR_SYNC),
            domains: (!any || asked(DOMAIN_VERIFICATION))
                && organization.feature(DOMAIN_VERIFICATION),
        }
    }
}

/// The live session behind a page request and its organization: 401 (code
/// 16) for a wrong secret or an ended session, 404 if the organization is
/// gone.
pub(crate) fn session_for(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
) -> Result<(Session, Organization, Modules), ApiError> {
    let secret = headers
        .get(SESSION_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let session = state.store.session(key, secret).map_err(|err| match err {
        SessionError::Expired => ApiError::unauthenticated("portal session expired"),
        SessionError::Invalid => ApiError::unauthenticated("invalid portal session"),
    })?;
    let organization = state
        .store
        .organization(&session.organization_id)
        .ok_or_else(|| ApiError::organization_not_found(&session.organization_id))?;
    let modules = Modules::shown(&session.features, &organization);
    Ok((session, organization, modules))
}

/// 403: the session's page does not show this module.
pub(crate) fn not_in_session(module: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!("this portal link does not include {module}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn organization(domain_verification: bool) -> Organization {
        let mut organization = Organization::new(
            "org_1".into(),
            "A".into(),
            None,
            BTreeMap::new(),
            false,
            false,
            "OIDC",
        );
        organization.set_feature(DOMAIN_VERIFICATION, domain_verification);
        organization
    }

    fn shown(requested: &[&str], domain_verification: bool) -> (bool, bool, bool) {
        let requested: Vec<String> = requested.iter().map(|s| s.to_string()).collect();
        let m = Modules::shown(&requested, &organization(domain_verification));
        (m.sso, m.directory, m.domains)
    }

    #[test]
    fn shows_requested_modules_or_all() {
        assert_eq!(shown(&[], false), (true, true, false));
        assert_eq!(shown(&[], true), (true, true, true));
        assert_eq!(shown(&["fancy"], false), (true, true, false));
        assert_eq!(shown(&["sso"], true), (true, false, false));
        assert_eq!(shown(&["dir_sync", "x"], false), (false, true, false));
        assert_eq!(shown(&["domain_verification"], true), (false, false, true));
        assert_eq!(
            shown(&["domain_verification"], false),
            (false, false, false)
        );
    }
}
