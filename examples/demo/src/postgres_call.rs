//! One PostgreSQL call of the demo's own, under the stores' deadline, its
//! error without the connection's details.

use scalekit_tower_stores::{DEFAULT_DEADLINE, StoreFailure};

/// Runs `call` within [`DEFAULT_DEADLINE`].
pub(crate) async fn within<T>(
    operation: &'static str,
    call: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, StoreFailure> {
    match tokio::time::timeout(DEFAULT_DEADLINE, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(StoreFailure::Engine {
            engine: "PostgreSQL",
            operation,
            // The server's own message, never the connection's options.
            message: error.as_database_error().map_or_else(
                || "the connection failed".to_owned(),
                |e| e.message().to_owned(),
            ),
        }),
        Err(_) => Err(StoreFailure::Timeout {
            engine: "PostgreSQL",
            operation,
            after: DEFAULT_DEADLINE,
        }),
    }
}
