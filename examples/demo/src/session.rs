//! A deliberately small login: pick a demo user, get a random session cookie.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Form;
use axum::extract::{Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const COOKIE_NAME: &str = "demo_session";

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

/// Signed-in sessions, by random session id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sessions(Arc<Mutex<HashMap<String, &'static str>>>);

impl Sessions {
    fn user(&self, id: &str) -> Option<DemoUser> {
        let key = *self.0.lock().ok()?.get(id)?;
        DEMO_USERS.into_iter().find(|user| user.key == key)
    }
}

fn session_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

/// Puts the signed-in [`DemoUser`] into the request extensions.
pub(crate) async fn load_user(
    State(sessions): State<Sessions>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(user) = session_id(request.headers()).and_then(|id| sessions.user(id)) {
        request.extensions_mut().insert(user);
    }
    next.run(request).await
}

#[derive(Deserialize)]
pub(crate) struct Login {
    user: String,
}

pub(crate) async fn login(State(sessions): State<Sessions>, Form(login): Form<Login>) -> Response {
    let Some(user) = DEMO_USERS.into_iter().find(|user| user.key == login.user) else {
        return Redirect::to("/").into_response();
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(mut sessions) = sessions.0.lock() {
        sessions.insert(id.clone(), user.key);
    }
    let cookie = format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Lax");
    let mut response = Redirect::to("/settings").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

pub(crate) async fn logout(State(sessions): State<Sessions>, headers: HeaderMap) -> Response {
    if let (Some(id), Ok(mut sessions)) = (session_id(&headers), sessions.0.lock()) {
        sessions.remove(id);
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("demo_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    response
}
