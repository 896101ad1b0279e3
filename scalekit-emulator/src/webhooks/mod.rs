//! Signed webhook deliveries, as Scalekit makes them.
//!
//! An [`Event`] (a state change with its record) becomes an [`Envelope`]
//! (the documented JSON body with a fresh `evt_` id); the [`Dispatcher`]
//! queues it, without blocking, for one background worker per endpoint,
//! which POSTs it signed with the Standard Webhooks scheme
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,...`) and
//! retries on Scalekit's schedule until a 2xx answer or the sixth attempt.
//! Every delivery is logged and counted per event type; the delivery faults
//! make deliveries go wrong on purpose.
//!
//! This layer knows nothing of the rest of the emulator: the emulator maps
//! its state changes to [`Event`]s.

mod dispatcher;
mod endpoint;
mod envelope;
mod event_data;
mod faults;
mod log;
mod schedule;
mod secret;
mod settings;
mod signing;
mod transport;
mod worker;

#[cfg(test)]
mod tests;

pub(crate) use dispatcher::Dispatcher;
pub use endpoint::InvalidWebhookUrl;
pub(crate) use envelope::Event;
pub(crate) use event_data::{ConnectionData, DirectoryData, DomainData, OrganizationData};
pub(crate) use faults::DeliveryFault;
pub use log::{DeliveryOutcome, WebhookCounts, WebhookDelivery};
pub use schedule::InvalidRetryScale;
pub use secret::WebhookSecretError;
pub(crate) use settings::{WebhookSettings, WebhookSettingsError};
