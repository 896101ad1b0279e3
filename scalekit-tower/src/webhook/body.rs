//! Reading a request body whole: up to a cap, before a deadline, within a
//! shared budget.

use std::pin::pin;

use bytes::{Buf as _, BufMut as _, Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt as _;
use tokio::time::Instant;

use super::budget::{ReadBudget, Reservation};
use super::error::WebhookError;

/// What bounds one read: the size cap, and optionally a deadline and the
/// budget shared with the other deliveries being read.
pub(crate) struct ReadBounds<'a> {
    /// The largest body accepted, in bytes.
    pub(crate) limit: usize,
    /// When to stop waiting for the rest of the body.
    pub(crate) deadline: Option<(Instant, std::time::Duration)>,
    /// The shared budget the buffered bytes are reserved from.
    pub(crate) budget: Option<&'a ReadBudget>,
}

/// A body read whole, and the budget it holds until dropped.
pub(crate) struct ReadBody {
    pub(crate) bytes: Bytes,
    _reservation: Option<Reservation>,
}

/// Collects `body` within `bounds`: refused as soon as it passes the cap
/// (413), when the deadline passes first (408), or when the shared budget
/// cannot hold it (503). `declared` (the `Content-Length`) is checked
/// against the cap and reserved before anything is read.
pub(crate) async fn read_bounded<B>(
    body: B,
    declared: Option<u64>,
    bounds: ReadBounds<'_>,
) -> Result<ReadBody, WebhookError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limit = bounds.limit;
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(WebhookError::BodyTooLarge { limit });
    }
    let mut reservation = bounds.budget.map(ReadBudget::reservation);
    let mut reserve = |total: usize| match reservation.as_mut() {
        Some(reservation) => match reservation.grow_to(total) {
            true => Ok(()),
            false => Err(WebhookError::Busy),
        },
        None => Ok(()),
    };
    // The declared length is at most the cap here, so it fits in usize.
    reserve(declared.map_or(0, |length| length as usize))?;
    let read = async {
        let mut body = pin!(body);
        let mut collected = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|error| WebhookError::BodyUnreadable(error.into().to_string()))?;
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            let total = collected.len().saturating_add(data.remaining());
            if total > limit {
                return Err(WebhookError::BodyTooLarge { limit });
            }
            reserve(total)?;
            collected.put(data);
        }
        Ok(collected.freeze())
    };
    let bytes = match bounds.deadline {
        None => read.await?,
        Some((deadline, timeout)) => tokio::time::timeout_at(deadline, read)
            .await
            .map_err(|_| WebhookError::BodyTimeout { timeout })??,
    };
    Ok(ReadBody {
        bytes,
        _reservation: reservation,
    })
}
