//! Reconciling from the reads: after downtime or a missed delivery, the
//! helper lists what changed since the stored watermark (or everything) and
//! applies it under the same ordering guard as the webhooks.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use time::OffsetDateTime;

use crate::client::Client;
use crate::directory_listing::DirectoryListOptions;
use crate::directory_sync::driver::{Change, DirectorySync, Outcome};
use crate::directory_sync::error::SyncError;
use crate::directory_sync::records::{SyncedGroup, SyncedUser};
use crate::directory_sync::store::DirectorySyncStore;
use crate::organization_id::OrganizationId;

/// What a reconcile did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileReport {
    /// Users and groups read and applied.
    pub applied: usize,
    /// Users and groups read but older than what the store has.
    pub stale: usize,
    /// Users and groups the store had that the directory no longer has
    /// (full reconcile only).
    pub removed: usize,
    /// The watermark stored afterwards.
    pub watermark: Option<OffsetDateTime>,
}

impl<S: DirectorySyncStore> DirectorySync<S> {
    /// Applies every user and group changed after the stored watermark
    /// (everything the first time), then advances the watermark. Deletions
    /// do not show in a read of changes: see
    /// [`reconcile_full`](Self::reconcile_full).
    pub async fn reconcile(
        &self,
        client: &Client,
        organization: &OrganizationId,
        directory_id: &str,
    ) -> Result<ReconcileReport, SyncError<S::Error>> {
        let watermark = self.store.watermark().await.map_err(SyncError::Store)?;
        self.reconcile_since(client, organization, directory_id, watermark)
            .await
    }

    /// Reads every user and group, applies them, and removes from the store
    /// those the directory no longer has (deactivating users unless the
    /// policy says delete).
    pub async fn reconcile_full(
        &self,
        client: &Client,
        organization: &OrganizationId,
        directory_id: &str,
    ) -> Result<ReconcileReport, SyncError<S::Error>> {
        self.reconcile_since(client, organization, directory_id, None)
            .await
    }

    async fn reconcile_since(
        &self,
        client: &Client,
        organization: &OrganizationId,
        directory_id: &str,
        since: Option<OffsetDateTime>,
    ) -> Result<ReconcileReport, SyncError<S::Error>> {
        let mut options = DirectoryListOptions::new().include_detail(true);
        if let Some(since) = since {
            options = options.updated_after(since);
        }
        let mut report = ReconcileReport {
            watermark: since,
            ..ReconcileReport::default()
        };
        let mut seen_groups = HashSet::new();
        let mut groups =
            std::pin::pin!(client.directory_groups(organization, directory_id, options.clone()));
        while let Some(group) = groups.try_next().await.map_err(SyncError::Read)? {
            let at = group.updated_at_time();
            seen_groups.insert(group.id.clone());
            self.count(
                &mut report,
                Change::Group(SyncedGroup::from_listing(&group)),
                at,
            )
            .await?;
        }
        let mut seen_users = HashSet::new();
        let mut users = std::pin::pin!(client.directory_users(organization, directory_id, options));
        while let Some(user) = users.try_next().await.map_err(SyncError::Read)? {
            let at = user.updated_at_time();
            seen_users.insert(user.id.clone());
            self.count(
                &mut report,
                Change::User(SyncedUser::from_listing(&user)),
                at,
            )
            .await?;
        }
        if since.is_none() {
            for id in self.store.user_ids().await.map_err(SyncError::Store)? {
                if !seen_users.contains(&id) {
                    self.apply_change(Change::UserDeleted(id), None).await?;
                    report.removed += 1;
                }
            }
            for id in self.store.group_ids().await.map_err(SyncError::Store)? {
                if !seen_groups.contains(&id) {
                    self.apply_change(Change::GroupDeleted(id), None).await?;
                    report.removed += 1;
                }
            }
        }
        if let Some(watermark) = report.watermark
            && Some(watermark) != since
        {
            self.store
                .set_watermark(watermark)
                .await
                .map_err(SyncError::Store)?;
        }
        Ok(report)
    }

    async fn count(
        &self,
        report: &mut ReconcileReport,
        change: Change,
        at: Option<OffsetDateTime>,
    ) -> Result<(), SyncError<S::Error>> {
        match self.apply_change(change, at).await? {
            Outcome::Applied => report.applied += 1,
            _ => report.stale += 1,
        }
        if let Some(at) = at {
            report.watermark = Some(report.watermark.map_or(at, |mark| mark.max(at)));
        }
        Ok(())
    }
}
