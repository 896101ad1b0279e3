//! Directory sync: keeping the app's own users and groups in step with the
//! customer's identity provider, which pushes them to Scalekit over SCIM.
//!
//! The app implements [`DirectorySyncStore`] (its users, groups, and two
//! small records the helper needs); [`DirectorySync`] then
//!
//! - applies the `organization.directory.*` webhooks as they come
//!   ([`DirectorySync::apply`]), with an ordering guard: deliveries arrive
//!   at least once and out of order, so a change older than the last one
//!   applied to the same user or group (by `occurred_at`) changes nothing,
//!   and a deletion wins over an older update;
//! - reconciles from the reads after downtime or a missed delivery
//!   ([`DirectorySync::reconcile`] from the stored `updated_after`
//!   watermark, [`DirectorySync::reconcile_full`] to also find deletions).
//!
//! A user deleted in the provider is deactivated unless the app asks for
//! [`DeletePolicy::Delete`].
//!
//! ```
//! use scalekit_tower::directory_sync::{DirectorySync, InMemoryDirectory, Outcome};
//! use scalekit_tower::webhook::WebhookEvent;
//!
//! # async fn on_event(event: WebhookEvent) -> Result<(), Box<dyn std::error::Error>> {
//! let sync = DirectorySync::new(InMemoryDirectory::new());
//! if sync.apply(&event).await? == Outcome::Stale {
//!     // A newer change to this user or group was applied already.
//! }
//! # Ok(()) }
//! ```

mod driver;
mod error;
mod memory;
mod reconcile;
mod records;
mod store;

pub use driver::{DeletePolicy, DirectorySync, Outcome};
pub use error::SyncError;
pub use memory::InMemoryDirectory;
pub use reconcile::ReconcileReport;
pub use records::{AppliedChange, SyncedGroup, SyncedUser};
pub use store::DirectorySyncStore;

#[cfg(test)]
mod tests;
