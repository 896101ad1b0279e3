//! The demo's pages: home (pick a user) and settings (the embedded portal).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, context};
use scalekit_axum_extract::{PortalLink, PortalLinkRejection};
use scalekit_tower::template::{self, PortalEmbed};

use crate::REFRESH_PATH;
use crate::security::CspNonce;
use crate::session::{DEMO_USERS, DemoUser};

/// Templates and settings shared by the handlers.
#[derive(Debug)]
pub(crate) struct Pages {
    templates: Environment<'static>,
    portal_origin: url::Url,
}

impl Pages {
    pub(crate) fn new(
        portal_origin: &str,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let mut templates = Environment::new();
        template::register(&mut templates)?;
        templates.add_template("layout.html", include_str!("../templates/layout.html"))?;
        templates.add_template("home.html", include_str!("../templates/home.html"))?;
        templates.add_template("settings.html", include_str!("../templates/settings.html"))?;
        Ok(Self {
            templates,
            portal_origin: portal_origin.parse()?,
        })
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(ctx))
        {
            Ok(html) => Html(html).into_response(),
            Err(err) => {
                tracing::error!(error = %err, template = name, "rendering failed");
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "template error",
                )
                    .into_response()
            }
        }
    }
}

pub(crate) async fn home(
    State(pages): State<Arc<Pages>>,
    user: Option<Extension<DemoUser>>,
    Extension(CspNonce(nonce)): Extension<CspNonce>,
) -> Response {
    let users: Vec<_> = DEMO_USERS
        .iter()
        .map(|u| context! { key => u.key, name => u.name, role => u.role, company => u.company })
        .collect();
    pages.render(
        "home.html",
        context! { users, nonce, current => user.map(|Extension(u)| u.name) },
    )
}

pub(crate) async fn settings(
    State(pages): State<Arc<Pages>>,
    user: Option<Extension<DemoUser>>,
    Extension(CspNonce(nonce)): Extension<CspNonce>,
    link: Result<PortalLink, PortalLinkRejection>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/").into_response();
    };
    let embed = PortalEmbed::new()
        .with_refresh_url(REFRESH_PATH)
        .with_nonce(nonce.clone());
    let embed = match embed.clone().with_portal_origin(&pages.portal_origin) {
        Ok(with_origin) => with_origin,
        Err(_) => embed,
    };
    let mut status = StatusCode::OK;
    let (portal, problem) = match &link {
        Ok(PortalLink(link)) => (Some(template::context(Some(link), &embed)), None),
        Err(PortalLinkRejection::Forbidden(_)) => {
            status = StatusCode::FORBIDDEN;
            (
                None,
                Some(format!(
                    "{} is a member of {} but not an admin, so they may not configure its \
                     single sign-on. Sign in as Alice, Acme's IT administrator.",
                    user.name, user.company
                )),
            )
        }
        Err(PortalLinkRejection::NoOrganization) => (
            None,
            Some(format!(
                "{} signs in without a company account, so there is no organization whose \
                 single sign-on they could configure. Sign in as Alice or Bob.",
                user.name
            )),
        ),
        // Scalekit trouble: render the snippet without a link; it shows a
        // retry button that asks the refresh endpoint for one.
        Err(_) => (Some(template::context(None, &embed)), None),
    };
    let mut response = pages.render(
        "settings.html",
        context! {
            nonce,
            user => context! { name => user.name, role => user.role, company => user.company },
            scalekit => portal,
            problem,
        },
    );
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

pub(crate) async fn stylesheet() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/demo.css"),
    )
}

pub(crate) async fn script() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/demo.js"),
    )
}
