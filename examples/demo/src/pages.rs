//! The demo's pages: home (pick a user), settings (the embedded portal, the
//! server's SSO and directory badges, the webhook panel) and the
//! deliveries list the panel reads.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use minijinja::{Environment, context};
use scalekit_axum_extract::{PortalLink, PortalLinkRejection};
use scalekit_tower::resolve::OrganizationResolver;
use scalekit_tower::template::{self, PortalEmbed};
use scalekit_tower::{Client, OrganizationId};

use crate::fleet::Fleet;
use crate::security::CspNonce;
use crate::session::{DEMO_USERS, DemoUser};
use crate::webhooks::{Delivery, Known, ServerState};
use crate::{HANDOFF_PATH, REFRESH_PATH, Resolver, STATUS_PATH};

/// Templates and settings shared by the handlers.
#[derive(Debug)]
pub(crate) struct Pages {
    templates: Environment<'static>,
    portal_origin: url::Url,
    client: Client,
    resolver: Resolver,
    server: ServerState,
    fleet: Fleet,
    webhooks_on: bool,
}

impl Pages {
    pub(crate) fn new(
        client: Client,
        resolver: Resolver,
        server: ServerState,
        fleet: Fleet,
        webhooks_on: bool,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let mut templates = Environment::new();
        template::register(&mut templates)?;
        templates.add_template("layout.html", include_str!("../templates/layout.html"))?;
        templates.add_template("home.html", include_str!("../templates/home.html"))?;
        templates.add_template("settings.html", include_str!("../templates/settings.html"))?;
        Ok(Self {
            templates,
            portal_origin: client.config().portal_origin().parse()?,
            client,
            resolver,
            server,
            fleet,
            webhooks_on,
        })
    }

    /// The deliveries about `organization`: the fleet's shared record when
    /// there is one (empty while it cannot be read), else this process's.
    async fn deliveries_for(&self, organization: &str) -> Vec<Delivery> {
        match self.fleet.deliveries_for(organization).await {
            Some(Ok(deliveries)) => deliveries,
            Some(Err(error)) => {
                tracing::warn!(%error, "reading the shared deliveries failed");
                Vec::new()
            }
            None => self.server.deliveries_for(organization),
        }
    }

    /// The organization of the signed-in user (the portal layer's resolver,
    /// whose lookups are cached).
    async fn organization(&self, parts: &Parts) -> Option<OrganizationId> {
        match self.resolver.resolve(parts).await {
            Ok(organization) => organization,
            Err(err) => {
                tracing::warn!(error = %err, "no organization for the badges");
                None
            }
        }
    }

    /// What the server knows of `organization`: from its webhooks, and for
    /// what they have not said yet, a status read from Scalekit.
    async fn known(&self, organization: &OrganizationId) -> Known {
        let known = self.server.known(organization.as_str());
        if known.sso.is_some() && known.directory.is_some() {
            return known;
        }
        match self.client.organization_status(organization).await {
            Ok(status) => {
                self.server.remember(&status);
                self.server.known(organization.as_str())
            }
            Err(err) => {
                tracing::warn!(error = %err, "reading the organization status failed");
                known
            }
        }
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
    parts: Parts,
    link: Result<PortalLink, PortalLinkRejection>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/").into_response();
    };
    let embed = PortalEmbed::new()
        .with_refresh_url(REFRESH_PATH)
        .with_status_url(STATUS_PATH)
        .with_handoff_url(HANDOFF_PATH)
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
    // The badges and the panel: only for those who may see the portal.
    let organization = match &link {
        Ok(_) => pages.organization(&parts).await,
        Err(_) => None,
    };
    let (known, deliveries) = match organization {
        Some(organization) => (
            pages.known(&organization).await,
            pages.deliveries_for(organization.as_str()).await,
        ),
        None => (Known::default(), Vec::new()),
    };
    let badge = |state: Option<bool>| match state {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    let mut response = pages.render(
        "settings.html",
        context! {
            nonce,
            user => context! {
                name => user.name,
                role => user.role,
                company => user.company,
                has_organization => user.tenant.is_some(),
            },
            scalekit => portal,
            problem,
            sso => badge(known.sso),
            directory => badge(known.directory),
            deliveries => deliveries
                .into_iter()
                .map(|d| context! { event_type => d.event_type, summary => d.summary })
                .collect::<Vec<_>>(),
            webhooks_on => pages.webhooks_on,
        },
    );
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

/// `GET /settings/webhooks`: the verified deliveries about the signed-in
/// admin's organization, newest first. Others get 403.
pub(crate) async fn deliveries(
    State(pages): State<Arc<Pages>>,
    user: Option<Extension<DemoUser>>,
    parts: Parts,
) -> Response {
    let admin = user.is_some_and(|Extension(user)| user.admin);
    let organization = match admin {
        true => pages.organization(&parts).await,
        false => None,
    };
    let Some(organization) = organization else {
        return (
            StatusCode::FORBIDDEN,
            [(CACHE_CONTROL, "no-store")],
            "forbidden",
        )
            .into_response();
    };
    let deliveries = pages.deliveries_for(organization.as_str()).await;
    ([(CACHE_CONTROL, "no-store")], Json(deliveries)).into_response()
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
