//! What a store call failed with: the engine, the operation, and why, with
//! no connection string or password in it.

use std::time::Duration;

/// A store call that failed or missed its deadline. The webhook service
/// answers 503 to a delivery it could not claim (nothing ran, nothing is
/// marked), so Scalekit retries it.
///
/// Its text never holds a connection string or a password: an engine's
/// message is cut at any `user:password@` it names.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreFailure {
    /// The engine did not answer within the store's deadline.
    #[error("{engine} did not answer `{operation}` within {after:?}")]
    Timeout {
        /// `PostgreSQL` or `Redis`.
        engine: &'static str,
        /// The store operation (`claim`, `complete`, ...).
        operation: &'static str,
        /// The deadline.
        after: Duration,
    },
    /// The engine answered with an error (down, refused, bad schema...).
    #[error("{engine} failed `{operation}`: {message}")]
    Engine {
        /// `PostgreSQL` or `Redis`.
        engine: &'static str,
        /// The store operation.
        operation: &'static str,
        /// The engine's message, without credentials.
        message: String,
    },
    /// The store's configuration is invalid (a table name, a URL).
    #[error("invalid store configuration: {0}")]
    Config(String),
}

impl StoreFailure {
    /// An engine's error, its message cleaned of credentials.
    #[cfg_attr(not(any(feature = "postgres", feature = "redis")), allow(dead_code))]
    pub(crate) fn engine(
        engine: &'static str,
        operation: &'static str,
        error: &dyn std::fmt::Display,
    ) -> Self {
        Self::Engine {
            engine,
            operation,
            message: without_credentials(&error.to_string()),
        }
    }
}

/// Runs `call` under `deadline`, wrapping its error and a timeout.
#[cfg_attr(not(any(feature = "postgres", feature = "redis")), allow(dead_code))]
pub(crate) async fn within<T, E: std::fmt::Display>(
    engine: &'static str,
    operation: &'static str,
    deadline: Duration,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, StoreFailure> {
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(StoreFailure::engine(engine, operation, &error)),
        Err(_) => Err(StoreFailure::Timeout {
            engine,
            operation,
            after: deadline,
        }),
    }
}

/// `text` with the user information of every URL in it (`user:pass@`)
/// replaced by `***@`, and cut to a sane length.
pub(crate) fn without_credentials(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut out = String::with_capacity(text.len().min(MAX_CHARS));
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    if out.chars().count() > MAX_CHARS {
        out = out.chars().take(MAX_CHARS).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_survive_in_a_message() {
        let cleaned = without_credentials(
            "error connecting to postgres://app:s3cr3t@db.internal:5432/app and redis://:hunter2@cache/0",
        );
        assert!(
            !cleaned.contains("s3cr3t") && !cleaned.contains("hunter2"),
            "{cleaned}"
        );
        assert!(
            cleaned.contains("postgres://***@db.internal:5432/app"),
            "{cleaned}"
        );
        assert!(cleaned.contains("redis://***@cache/0"), "{cleaned}");
        assert_eq!(without_credentials("no url here"), "no url here");
        assert!(without_credentials(&"x".repeat(10_000)).chars().count() <= 301);
    }
}
