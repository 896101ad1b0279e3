//! One delivery attempt over HTTP: a signed JSON POST under a deadline.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::endpoint::EndpointUrl;
use super::signing::{SignedHeaders, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttemptResult {
    /// The endpoint answered with this status.
    Answered(u16),
    /// No answer within the attempt deadline.
    TimedOut,
    /// The request could not be sent (connection refused, reset, ...).
    Failed(String),
}

impl AttemptResult {
    /// Whether the endpoint acknowledged the delivery (2xx).
    pub(crate) fn acknowledged(&self) -> bool {
        matches!(self, Self::Answered(status) if (200..300).contains(status))
    }

    /// The HTTP status, if there was an answer.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Self::Answered(status) => Some(*status),
            _ => None,
        }
    }
}

/// An HTTP/1 client that posts deliveries.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Transport {
    /// A client whose attempts each end after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    /// POSTs `body` to `endpoint` with the signature headers; the answer's
    /// body is not read.
    pub(crate) async fn post(
        &self,
        endpoint: &EndpointUrl,
        headers: &SignedHeaders,
        body: Bytes,
    ) -> AttemptResult {
        let request = Request::builder()
            .method(Method::POST)
            .uri(endpoint.uri().clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static("scalekit-emulator"))
            .header(WEBHOOK_ID, headers.id.as_str())
            .header(WEBHOOK_TIMESTAMP, headers.timestamp)
            .header(WEBHOOK_SIGNATURE, headers.signature.as_str())
            .body(Full::new(body));
        let request = match request {
            Ok(request) => request,
            Err(err) => return AttemptResult::Failed(err.to_string()),
        };
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => AttemptResult::Answered(response.status().as_u16()),
            Ok(Err(err)) => AttemptResult::Failed(error_chain(&err)),
            Err(_) => AttemptResult::TimedOut,
        }
    }
}

/// An error and its causes, `: `-separated.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
