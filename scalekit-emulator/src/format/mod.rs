//! The bottom layer: identifiers and secrets (`org_...`, `evt_...`,
//! `msg_...`, ...) and timestamps as Scalekit writes them. Both the store
//! and the webhook deliveries use them; this module imports nothing from
//! the rest of the crate.

pub(crate) mod ids;
pub(crate) mod timefmt;
