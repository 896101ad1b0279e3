//! One HTTP exchange with Scalekit, retried where that is safe, within a
//! deadline, reading at most a capped number of body bytes.
//!
//! What is retried is what [`Error::is_retryable`] says may succeed later
//! (connection failures, 429, 502/503/504), asked of the error itself so the
//! client and its callers agree: with jittered exponential backoff, or the
//! `Retry-After` Scalekit sent; every other status is final. A request that
//! creates something is sent again only when its connection failed before
//! anything was sent ([`Replay`]). No wait is started that would end past the deadline: the
//! last error is returned instead. A body longer than the cap (by its
//! `Content-Length`, or while it streams in) ends the exchange with
//! [`Error::ResponseTooLarge`] without reading the rest: Scalekit's answers
//! are a few kilobytes, so a huge one is a misconfigured URL or a hostile
//! server, and retrying it would not help.

use std::future::Future;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode, header::RETRY_AFTER};
use tokio::time::Instant;

use crate::error::{ApiError, Error};

const MAX_ATTEMPTS: u32 = 4;
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// A `Retry-After` longer than this is treated as this long.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// Whether a request may be sent again after a transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// The request is idempotent (GET, PUT, PATCH of settings, the token POST).
    Always,
    /// Only when the connection failed before anything was sent (creating things).
    ConnectFailuresOnly,
}

/// A successful response: its status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

/// The HTTP client and the body cap every exchange is read with.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    max_body: usize,
}

impl Transport {
    pub(crate) fn new(http: reqwest::Client, max_body: usize) -> Self {
        Self { http, max_body }
    }

    /// The HTTP client, to build requests with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes until it succeeds, fails finally, or the
    /// next attempt could not finish before `deadline`.
    pub(crate) async fn send_with_retries(
        &self,
        deadline: Instant,
        replay: Replay,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, Error> {
        retry_until(deadline, || exchange(build(), replay, self.max_body)).await
    }
}

/// Runs `exchange` again while it asks for a retry and the wait fits the deadline.
async fn retry_until<F: Future<Output = Exchange>>(
    deadline: Instant,
    exchange: impl Fn() -> F,
) -> Result<Answer, Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (err, wait) = match exchange().await {
            Exchange::Done(result) => return result,
            Exchange::Retry { err, retry_after } => {
                let wait = retry_after.unwrap_or_else(|| backoff(attempt));
                (err, wait)
            }
        };
        if attempt >= MAX_ATTEMPTS || Instant::now() + wait >= deadline {
            return Err(err);
        }
        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying Scalekit call");
        tokio::time::sleep(wait).await;
    }
}

enum Exchange {
    Done(Result<Answer, Error>),
    Retry {
        err: Error,
        retry_after: Option<Duration>,
    },
}

/// One request and its answer. The request is handed to reqwest before the
/// future starts, so the future holds reqwest's handle, not the 272-byte
/// builder, for its whole life.
fn exchange(
    request: reqwest::RequestBuilder,
    replay: Replay,
    max_body: usize,
) -> impl Future<Output = Exchange> {
    let sending = request.send();
    async move {
        let transport_failure = |err: reqwest::Error| {
            let err_is_replayable = replay == Replay::Always || err.is_connect();
            let wrapped = Error::Unavailable {
                status: None,
                retry_after: None,
                api: ApiError::default(),
                source: Some(err.without_url()),
            };
            if err_is_replayable {
                retry_if_retryable(wrapped, None)
            } else {
                Exchange::Done(Err(wrapped))
            }
        };
        let response = match sending.await {
            Ok(response) => response,
            Err(err) => return transport_failure(err),
        };
        let status = response.status();
        let retry_after = parse_retry_after(response.headers());
        let body = match read_capped(response, max_body).await {
            Ok(body) => body,
            Err(Capped::TooLarge) => {
                return Exchange::Done(Err(Error::ResponseTooLarge {
                    status,
                    limit: max_body,
                }));
            }
            // The connection broke mid-body.
            Err(Capped::Transport(err)) => return transport_failure(err),
        };
        if status.is_success() {
            return Exchange::Done(Ok(Answer { status, body }));
        }
        retry_if_retryable(
            classify(status, ApiError::from_body(&body), retry_after),
            retry_after,
        )
    }
}

/// Retries `err` exactly when it says it may succeed later.
fn retry_if_retryable(err: Error, retry_after: Option<Duration>) -> Exchange {
    if err.is_retryable() {
        Exchange::Retry { err, retry_after }
    } else {
        Exchange::Done(Err(err))
    }
}

enum Capped {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads the body chunk by chunk, stopping as soon as it passes `max` bytes.
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Bytes, Capped> {
    if response
        .content_length()
        .is_some_and(|length| length > max as u64)
    {
        return Err(Capped::TooLarge);
    }
    // Scalekit's answers usually arrive in one chunk: that chunk is the
    // body, without a copy. Only a second chunk starts a buffer.
    let mut first = Bytes::new();
    let mut joined = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Capped::Transport)? {
        if first.len().max(joined.len()) + chunk.len() > max {
            return Err(Capped::TooLarge);
        }
        if first.is_empty() && joined.is_empty() {
            first = chunk;
        } else {
            if joined.is_empty() {
                joined.extend_from_slice(&std::mem::take(&mut first));
            }
            joined.extend_from_slice(&chunk);
        }
    }
    Ok(if joined.is_empty() {
        first
    } else {
        joined.freeze()
    })
}

/// Maps an error status to the error a caller can act on.
pub(crate) fn classify(status: StatusCode, api: ApiError, retry_after: Option<Duration>) -> Error {
    match status {
        StatusCode::BAD_REQUEST => Error::InvalidArgument {
            message: api
                .message
                .clone()
                .unwrap_or_else(|| "Scalekit refused the request as invalid (HTTP 400)".into()),
            api: Some(api),
        },
        StatusCode::UNAUTHORIZED => Error::BadCredentials { status, api },
        StatusCode::FORBIDDEN => Error::PermissionDenied { api },
        StatusCode::NOT_FOUND => Error::OrganizationNotFound { api },
        StatusCode::TOO_MANY_REQUESTS => Error::RateLimited { retry_after, api },
        s if s.is_server_error() => Error::Unavailable {
            status: Some(s),
            retry_after,
            api,
            source: None,
        },
        s => Error::UnexpectedResponse {
            status: Some(s),
            reason: format!("unexpected status ({api})"),
        },
    }
}

/// Full-range jitter between half and all of an exponential step.
fn backoff(attempt: u32) -> Duration {
    let step = BACKOFF_BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    step.mul_f64(0.5 + fastrand::f64() / 2.0)
}

/// Reads `Retry-After` as delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let after = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        }
    };
    Some(after.min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    /// A response whose body arrives as `chunks`, each its own HTTP chunk.
    async fn chunked(chunks: &'static [&'static str]) -> reqwest::Response {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = socket.read(&mut [0; 4096]).await;
            let mut answer = String::from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            for chunk in chunks {
                answer.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
            }
            answer.push_str("0\r\n\r\n");
            socket.write_all(answer.as_bytes()).await.unwrap();
        });
        reqwest::get(format!("http://{addr}/")).await.unwrap()
    }

    #[tokio::test]
    async fn bodies_in_one_or_many_chunks_are_read_whole_and_capped() {
        let one = read_capped(chunked(&["{\"link\":{}}"]).await, 64).await;
        assert_eq!(one.ok().as_deref(), Some(&b"{\"link\":{}}"[..]));
        let many = read_capped(chunked(&["{\"li", "nk\":", "{}}"]).await, 64).await;
        assert_eq!(many.ok().as_deref(), Some(&b"{\"link\":{}}"[..]));
        // Exactly at the cap is accepted; one byte more in a later chunk is not.
        let at_cap = read_capped(chunked(&["abcd", "efgh"]).await, 8).await;
        assert_eq!(at_cap.ok().as_deref(), Some(&b"abcdefgh"[..]));
        let over = read_capped(chunked(&["abcd", "efgh", "i"]).await, 8).await;
        assert!(matches!(over, Err(Capped::TooLarge)));
        let first_over = read_capped(chunked(&["abcdefghi"]).await, 8).await;
        assert!(matches!(first_over, Err(Capped::TooLarge)));
    }

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(parse_retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("99999999999"));
        assert_eq!(parse_retry_after(&headers), Some(RETRY_AFTER_CAP));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&soon).unwrap());
        let parsed = parse_retry_after(&headers).unwrap();
        assert!(parsed > Duration::from_secs(27) && parsed <= Duration::from_secs(30));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..40 {
            let wait = backoff(attempt);
            let step = BACKOFF_BASE
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(BACKOFF_CAP);
            assert!(
                wait >= step / 2 && wait <= step,
                "attempt {attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn statuses_map_to_errors() {
        let api = ApiError::default;
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, api(), None),
            Error::InvalidArgument { .. }
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, api(), None),
            Error::BadCredentials { .. }
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, api(), None),
            Error::PermissionDenied { .. }
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, api(), None),
            Error::OrganizationNotFound { .. }
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, api(), Some(Duration::from_secs(2))),
            Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2)
        ));
        assert!(matches!(
            classify(StatusCode::INTERNAL_SERVER_ERROR, api(), None),
            Error::Unavailable {
                status: Some(StatusCode::INTERNAL_SERVER_ERROR),
                ..
            }
        ));
        assert!(matches!(
            classify(StatusCode::IM_A_TEAPOT, api(), None),
            Error::UnexpectedResponse { .. }
        ));
    }
}
