//! One Redis connection for the stores: multiplexed, reconnecting, lazy.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::{StoreFailure, without_credentials};

/// A connection manager for `url` that connects on first use, answers
/// within `deadline` and reconnects in the background after a failure
/// (the failing call itself fails: the caller's fallback answers).
pub(crate) fn connection(url: &str, deadline: Duration) -> Result<ConnectionManager, StoreFailure> {
    let config_error = |error: redis::RedisError| {
        StoreFailure::Config(format!(
            "the Redis URL is not valid: {}",
            without_credentials(&error.to_string())
        ))
    };
    let client = redis::Client::open(url).map_err(config_error)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(deadline))
        .set_response_timeout(Some(deadline))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(1));
    ConnectionManager::new_lazy_with_config(client, config).map_err(config_error)
}
