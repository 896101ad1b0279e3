//! The settings page's "Directory" panel: the organization's people as the
//! demo's server holds them, fed by the kit's directory sync helper.
//!
//! - Scalekit's signed `organization.directory.user_*|group_*` webhooks are
//!   applied as they come ([`DirectoryPanel::on_event`]), under the helper's
//!   ordering guard, so duplicated or reordered deliveries end in the same
//!   state;
//! - the page asks for a reconcile when it opens (`POST`
//!   [`DIRECTORY_RECONCILE_PATH`], from the stored `updated_after`
//!   watermark) and on its "Reconcile now" button (`?full=true`: reads
//!   everything, so deletions missed while webhooks were lost show too);
//! - the page reads the held users and groups from [`DIRECTORY_PATH`] and
//!   polls it, as it polls the webhook deliveries.
//!
//! A user deleted in the identity provider is kept, inactive, unless the
//! demo is started with [`DeletePolicy::Delete`]. Each replica holds its
//! own copy in memory (a real app writes into its database); the reconcile
//! on opening the page brings a replica that missed deliveries up to date.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use scalekit_tower::directory_sync::{
    DeletePolicy, DirectorySync, InMemoryDirectory, ReconcileReport, SyncError,
};
use scalekit_tower::resolve::OrganizationResolver;
use scalekit_tower::webhook::{EventData, WebhookEvent};
use scalekit_tower::{Client, OrganizationId};
use serde::{Deserialize, Serialize};

use crate::Resolver;
use crate::session::DemoUser;

/// The path of the panel's data: the held users and groups, as JSON.
pub const DIRECTORY_PATH: &str = "/settings/directory";
/// The path the page posts to for a reconcile.
pub const DIRECTORY_RECONCILE_PATH: &str = "/settings/directory/reconcile";
/// The panel's script.
const SCRIPT_PATH: &str = "/static/directory.js";
/// Organizations held; past it, the panel starts over (a real app keeps its
/// own tenants in its database).
const MAX_ORGANIZATIONS: usize = 1_000;

/// One organization's synced directory. The lock orders the webhooks and
/// the reconciles: the guard compares each change with the last one
/// applied, so two must not interleave.
#[derive(Debug)]
struct Held {
    sync: tokio::sync::Mutex<DirectorySync<InMemoryDirectory>>,
}

/// The synced directories of every organization, for the panel.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryPanel {
    client: Client,
    policy: DeletePolicy,
    held: Arc<Mutex<HashMap<String, Arc<Held>>>>,
}

/// A user as the panel shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct PanelUser {
    id: String,
    name: String,
    email: Option<String>,
    active: bool,
    groups: Vec<String>,
}

/// A group as the panel shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct PanelGroup {
    id: String,
    name: String,
    members: usize,
}

/// What the panel shows for one organization.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct PanelView {
    users: Vec<PanelUser>,
    groups: Vec<PanelGroup>,
}

/// A reconcile's answer to the page.
#[derive(Debug, Serialize)]
struct ReconcileAnswer {
    /// `false` when the organization has no enabled directory.
    directory: bool,
    applied: usize,
    stale: usize,
    removed: usize,
}

impl DirectoryPanel {
    /// A panel reading through `client`; deleted users follow `policy`.
    pub(crate) fn new(client: Client, policy: DeletePolicy) -> Self {
        Self {
            client,
            policy,
            held: Arc::default(),
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<Held>>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The organization's synced directory, created empty on first use.
    fn held(&self, organization: &str) -> Arc<Held> {
        let mut map = self.map();
        if map.len() >= MAX_ORGANIZATIONS && !map.contains_key(organization) {
            map.clear();
        }
        map.entry(organization.to_owned())
            .or_insert_with(|| {
                Arc::new(Held {
                    sync: tokio::sync::Mutex::new(
                        DirectorySync::new(InMemoryDirectory::new()).delete_policy(self.policy),
                    ),
                })
            })
            .clone()
    }

    /// The webhook handler's part: applies a directory user or group event
    /// to its organization's store; other events pass by.
    pub(crate) async fn on_event(&self, event: &WebhookEvent) {
        let organization = match event.data() {
            EventData::DirectoryUserCreated(user) | EventData::DirectoryUserUpdated(user) => {
                user.organization_id.as_deref()
            }
            EventData::DirectoryUserDeleted(user) => user.organization_id.as_deref(),
            EventData::DirectoryGroupCreated(group)
            | EventData::DirectoryGroupUpdated(group)
            | EventData::DirectoryGroupDeleted(group) => group.organization_id.as_deref(),
            _ => return,
        };
        let Some(organization) = organization.or(event.organization_id()) else {
            tracing::warn!("a directory event without an organization; ignored");
            return;
        };
        let held = self.held(organization);
        let sync = held.sync.lock().await;
        match sync.apply(event).await {
            Ok(outcome) => tracing::debug!(?outcome, "directory event applied"),
            Err(error) => tracing::warn!(%error, "applying a directory event failed"),
        }
    }

    /// Reconciles `organization`'s enabled directory from the reads: from
    /// the watermark, or everything when `full`.
    async fn reconcile(
        &self,
        organization: &OrganizationId,
        full: bool,
    ) -> Result<Option<ReconcileReport>, SyncError<Infallible>> {
        let directories = self
            .client
            .list_directories(organization)
            .await
            .map_err(SyncError::Read)?;
        let Some(directory) = directories.into_iter().find(|d| d.enabled) else {
            return Ok(None);
        };
        let held = self.held(organization.as_str());
        let sync = held.sync.lock().await;
        let report = if full {
            sync.reconcile_full(&self.client, organization, &directory.id)
                .await
        } else {
            sync.reconcile(&self.client, organization, &directory.id)
                .await
        };
        report.map(Some)
    }

    /// What the panel shows for `organization`: its users (active first,
    /// then by name) with their groups' names, and its groups.
    pub(crate) async fn view(&self, organization: &str) -> PanelView {
        let Some(held) = self.map().get(organization).cloned() else {
            return PanelView::default();
        };
        let sync = held.sync.lock().await;
        let store = sync.store();
        let groups = store.groups();
        let group_name = |id: &String| {
            groups
                .iter()
                .find(|group| &group.id == id)
                .and_then(|group| group.display_name.clone())
                .unwrap_or_else(|| id.clone())
        };
        let mut users: Vec<PanelUser> = store
            .users()
            .into_iter()
            .map(|user| {
                let name = [user.given_name.as_deref(), user.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let name = match name.is_empty() {
                    true => user.preferred_username.clone().unwrap_or_default(),
                    false => name,
                };
                let mut member_of: Vec<String> = user.group_ids.iter().map(group_name).collect();
                member_of.sort();
                PanelUser {
                    id: user.id.clone(),
                    name,
                    email: user.email.clone(),
                    active: user.active != Some(false),
                    groups: member_of,
                }
            })
            .collect();
        users.sort_by(|a, b| (!a.active, &a.name, &a.id).cmp(&(!b.active, &b.name, &b.id)));
        let mut groups: Vec<PanelGroup> = groups
            .iter()
            .map(|group| PanelGroup {
                id: group.id.clone(),
                name: group.display_name.clone().unwrap_or_default(),
                members: store
                    .users()
                    .iter()
                    .filter(|user| user.active != Some(false) && user.group_ids.contains(&group.id))
                    .count(),
            })
            .collect();
        groups.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        PanelView { users, groups }
    }
}

/// The panel's routes, for the signed-in admins of an organization.
pub(crate) fn routes(panel: DirectoryPanel, resolver: Resolver) -> Router {
    Router::new()
        .route(DIRECTORY_PATH, get(list))
        .route(DIRECTORY_RECONCILE_PATH, post(reconcile))
        .route(SCRIPT_PATH, get(script))
        .with_state((panel, resolver))
}

/// The signed-in admin's organization, or `None` (then 403).
async fn admin_organization(
    resolver: &Resolver,
    user: Option<Extension<DemoUser>>,
    parts: &Parts,
) -> Option<OrganizationId> {
    if !user.is_some_and(|Extension(user)| user.admin) {
        return None;
    }
    match resolver.resolve(parts).await {
        Ok(organization) => organization,
        Err(error) => {
            tracing::warn!(%error, "no organization for the directory panel");
            None
        }
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(CACHE_CONTROL, "no-store")],
        "forbidden",
    )
        .into_response()
}

/// `GET /settings/directory`: the held users and groups of the signed-in
/// admin's organization.
async fn list(
    State((panel, resolver)): State<(DirectoryPanel, Resolver)>,
    user: Option<Extension<DemoUser>>,
    parts: Parts,
) -> Response {
    let Some(organization) = admin_organization(&resolver, user, &parts).await else {
        return forbidden();
    };
    let view = panel.view(organization.as_str()).await;
    ([(CACHE_CONTROL, "no-store")], Json(view)).into_response()
}

/// The reconcile's query: `full=true` reads everything.
#[derive(Debug, Deserialize)]
struct ReconcileQuery {
    #[serde(default)]
    full: bool,
}

/// `POST /settings/directory/reconcile[?full=true]`: reconciles the
/// signed-in admin's organization from Scalekit's reads. The session
/// cookie is `SameSite=Lax`, so another site cannot post it.
async fn reconcile(
    State((panel, resolver)): State<(DirectoryPanel, Resolver)>,
    user: Option<Extension<DemoUser>>,
    Query(query): Query<ReconcileQuery>,
    parts: Parts,
) -> Response {
    let Some(organization) = admin_organization(&resolver, user, &parts).await else {
        return forbidden();
    };
    match panel.reconcile(&organization, query.full).await {
        Ok(report) => {
            let answer = ReconcileAnswer {
                directory: report.is_some(),
                applied: report.as_ref().map_or(0, |r| r.applied),
                stale: report.as_ref().map_or(0, |r| r.stale),
                removed: report.as_ref().map_or(0, |r| r.removed),
            };
            ([(CACHE_CONTROL, "no-store")], Json(answer)).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "reading the directory failed");
            (
                StatusCode::BAD_GATEWAY,
                [(CACHE_CONTROL, "no-store")],
                "Scalekit could not be read; try again",
            )
                .into_response()
        }
    }
}

async fn script() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/directory.js"),
    )
}
