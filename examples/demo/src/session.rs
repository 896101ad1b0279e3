//! A deliberately small login on `tower-sessions`: pick a demo user, and the
//! session (in its memory store, expiring after a while without use) holds
//! who signed in.
//!
//! [`load_user`] is the app's own auth middleware: it reads the session and
//! puts the signed-in [`DemoUser`] in the request extensions, where the
//! pages and the portal's organization resolver read it, as they would read
//! an axum-login user.

use axum::Form;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::session_store::Sessions;

/// The session cookie's name.
const COOKIE_NAME: &str = "demo_session";
/// The session key holding the signed-in user's [`DemoUser::key`].
const USER_KEY: &str = "user";

/// A demo user. The app's auth middleware puts the signed-in one in the
/// request extensions; the portal resolver reads its `tenant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    /// Login key.
    pub key: &'static str,
    /// Display name.
    pub name: &'static str,
    /// What the user does.
    pub role: &'static str,
    /// The app's own tenant id (Scalekit's external id), if the user has one.
    pub tenant: Option<&'static str>,
    /// The tenant's name as the app shows it.
    pub company: &'static str,
    /// Whether the user may configure single sign-on (the portal's
    /// authorization: members who are not admins may not).
    pub admin: bool,
}

/// The users the home page offers.
pub const DEMO_USERS: [DemoUser; 4] = [
    DemoUser {
        key: "alice",
        name: "Alice Martin",
        role: "IT administrator",
        tenant: Some("acme"),
        company: "Acme Corp",
        admin: true,
    },
    DemoUser {
        key: "bob",
        name: "Bob Chen",
        role: "Head of IT",
        tenant: Some("globex"),
        company: "Globex",
        admin: true,
    },
    DemoUser {
        key: "carol",
        name: "Carol Diaz",
        role: "Freelancer, no company account",
        tenant: None,
        company: "(no organization)",
        // She administers her own personal account; it has no organization.
        admin: true,
    },
    DemoUser {
        key: "dave",
        name: "Dave Okafor",
        role: "Sales, member (not an admin)",
        tenant: Some("acme"),
        company: "Acme Corp",
        admin: false,
    },
];

/// The session layer: a memory store, an `HttpOnly`, `SameSite=Lax` cookie,
/// and sessions that expire after `idle` without a request (each request
/// extends it).
///
/// The memory store never loads an expired session; it keeps the record
/// until its id is deleted (sign-out, sign-in again), which suits a demo. A
/// production app picks a store that deletes expired sessions (a database
/// store's expired-session task, or a bounded cache).
pub(crate) fn layer(idle: std::time::Duration, store: Sessions) -> SessionManagerLayer<Sessions> {
    let idle = tower_sessions::cookie::time::Duration::try_from(idle)
        .unwrap_or(tower_sessions::cookie::time::Duration::MAX);
    SessionManagerLayer::new(store)
        .with_name(COOKIE_NAME)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The demo serves plain http on 127.0.0.1; behind https, keep the
        // default (`Secure`).
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true)
}

/// The signed-in user of `session`, if any.
async fn signed_in(session: &Session) -> Option<DemoUser> {
    let key: String = session.get(USER_KEY).await.ok().flatten()?;
    DEMO_USERS.into_iter().find(|user| user.key == key)
}

/// Puts the signed-in [`DemoUser`] into the request extensions.
pub(crate) async fn load_user(session: Session, mut request: Request, next: Next) -> Response {
    if let Some(user) = signed_in(&session).await {
        request.extensions_mut().insert(user);
    }
    next.run(request).await
}

#[derive(Deserialize)]
pub(crate) struct Login {
    user: String,
}

pub(crate) async fn login(session: Session, Form(login): Form<Login>) -> Response {
    let Some(user) = DEMO_USERS.into_iter().find(|user| user.key == login.user) else {
        return Redirect::to("/").into_response();
    };
    // A new session id at sign-in, so an id planted before it is worthless.
    let stored = match session.cycle_id().await {
        Ok(()) => session.insert(USER_KEY, user.key).await,
        Err(err) => Err(err),
    };
    if let Err(err) = stored {
        tracing::error!(error = %err, "the session store failed");
        return Redirect::to("/").into_response();
    }
    Redirect::to("/settings").into_response()
}

pub(crate) async fn logout(session: Session) -> Response {
    if let Err(err) = session.flush().await {
        tracing::error!(error = %err, "the session store failed");
    }
    Redirect::to("/").into_response()
}
