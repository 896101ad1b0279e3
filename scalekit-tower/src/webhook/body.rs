//! Reading a request body whole, up to a cap.

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use super::error::WebhookError;

/// Collects `body`, refusing it as soon as it passes `limit` bytes.
pub(crate) async fn read_capped<B>(body: B, limit: usize) -> Result<Bytes, WebhookError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(WebhookError::BodyTooLarge { limit })
        }
        Err(error) => Err(WebhookError::BodyUnreadable(error.to_string())),
    }
}
