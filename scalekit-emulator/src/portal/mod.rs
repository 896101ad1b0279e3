//! The portal layer: the admin-portal pages a link opens (rendered from
//! minijinja templates), the buttons' endpoints and the messages the pages
//! post to their parent window. It uses the store, and the API layer's
//! error shape and request reading.

pub(crate) mod directory;
pub(crate) mod domains;
pub(crate) mod events;
pub(crate) mod modules;
pub(crate) mod page;
pub(crate) mod session_cookie;
pub(crate) mod templates;
pub(crate) mod toggles;

use axum::{
    Router,
    routing::{delete, get, post},
};

use crate::state::AppState;

/// `GET` the portal page a link opens.
pub(crate) const PAGE: &str = "/magicLink/{id}";
/// `GET` the session the page's cookie names (the page's first call).
pub(crate) const SESSION: &str = "/magicLink/{id}/session";
/// `POST` an SSO or directory toggle.
pub(crate) const TOGGLE: &str = "/magicLink/{id}/features";
/// `POST` a new SCIM token for the directory.
pub(crate) const DIRECTORY_TOKEN: &str = "/magicLink/{id}/directory/token";
/// `POST` a new domain.
pub(crate) const DOMAINS: &str = "/magicLink/{id}/domains";
/// `POST` a domain verification.
pub(crate) const DOMAIN_VERIFY: &str = "/magicLink/{id}/domains/{domain_id}/verify";
/// `DELETE` a domain.
pub(crate) const DOMAIN: &str = "/magicLink/{id}/domains/{domain_id}";

/// The portal's routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page::portal_page))
        .route(SESSION, get(session_cookie::check_session))
        .route(TOGGLE, post(toggles::toggle_feature))
        .route(DIRECTORY_TOKEN, post(directory::new_token))
        .route(DOMAINS, post(domains::add_domain))
        .route(DOMAIN_VERIFY, post(domains::verify_domain))
        .route(DOMAIN, delete(domains::delete_domain))
}
