//! The middleware that applies armed faults to token and REST requests.

use std::io;
use std::time::Duration;

use futures_util::StreamExt;

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::api::errors::{ApiError, OAuthError};
use crate::state::AppState;
use crate::store::counters::Endpoint;
use crate::store::fault_queue::FaultAction;

/// How long a reset response waits after its first bytes before aborting.
const RESET_PAUSE: Duration = Duration::from_millis(50);

/// Adds latency, then lets the first matching armed fault answer instead of
/// the handler.
pub(crate) async fn inject_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (endpoint, Some(action)) = take_fault(&state, &request).await else {
        return next.run(request).await;
    };
    match action {
        FaultAction::Fail {
            status,
            retry_after,
        } => failure(endpoint, status, retry_after),
        FaultAction::Malformed => malformed(endpoint),
        FaultAction::Reset => reset(endpoint),
        FaultAction::Hang => {
            state.shutdown_signal().await;
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "emulator shutting down").into_response()
        }
        // Shape faults are taken by the portal_links handler, never here.
        FaultAction::OmitLocation | FaultAction::OverrideLocation(_) => next.run(request).await,
    }
}

/// The endpoint `request` was routed to and, after the endpoint's injected
/// latency, the first armed fault that interrupts it (counted and logged):
/// what the REST and the gRPC fault middleware both start with.
pub(crate) fn take_fault(
    state: &AppState,
    request: &Request,
) -> impl Future<Output = (Endpoint, Option<FaultAction>)> + Send + 'static {
    let endpoint = request
        .extensions()
        .get::<Endpoint>()
        .copied()
        .unwrap_or(Endpoint::Other);
    let state = state.clone();
    async move {
        if let Some(latency) = state.store.faults.latency(endpoint) {
            state.sleep_unless_shutdown(latency).await;
        }
        let action = state.store.faults.take_interrupting(endpoint);
        if let Some(action) = &action {
            state.store.counters.fault_triggered();
            tracing::debug!(%endpoint, ?action, "injecting fault");
        }
        (endpoint, action)
    }
}

/// A body that yields `first`, then fails, so the server aborts the
/// connection (or the HTTP/2 stream) mid-response. The pause before the
/// error lets the server flush the head and the first bytes first.
pub(crate) fn body_cut_after(first: Bytes) -> Body {
    let first = futures_util::stream::once(async move { Ok::<_, io::Error>(first) });
    let abort = futures_util::stream::once(async {
        tokio::time::sleep(RESET_PAUSE).await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "injected fault: connection reset",
        ))
    });
    Body::from_stream(first.chain(abort))
}

/// An error response for `status` in the endpoint's error shape.
fn failure(endpoint: Endpoint, status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = format!("injected fault: HTTP {}", status.as_u16());
    if endpoint == Endpoint::Token {
        let error = OAuthError::for_status(status, message);
        match retry_after {
            Some(seconds) => error.with_retry_after(seconds),
            None => error,
        }
        .into_response()
    } else {
        let error = ApiError::new(status, message);
        match retry_after {
            Some(seconds) => error.with_retry_after(seconds),
            None => error,
        }
        .into_response()
    }
}

/// The start of a plausible answer for the endpoint, cut short.
fn truncated_body(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Token => r#"{"access_token":"skt_3f2a"#,
        Endpoint::GeneratePortalLink => r#"{"link":{"id":"lnk_1234","location":"ht"#,
        Endpoint::ListOrganizations => r#"{"organizations":[{"id":"org_"#,
        Endpoint::ListConnections => r#"{"connections":[{"id":"conn_"#,
        Endpoint::ListDirectories => r#"{"directories":[{"id":"dir_"#,
        Endpoint::ListDomains => r#"{"domains":[{"id":"dom_"#,
        _ => r#"{"organization":{"id":"org_"#,
    }
}

fn json_200(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// 200 with truncated JSON.
fn malformed(endpoint: Endpoint) -> Response {
    json_200(Body::from(truncated_body(endpoint)))
}

/// 200 whose body stream fails after the first bytes, so the server aborts
/// the connection mid-response.
fn reset(endpoint: Endpoint) -> Response {
    json_200(body_cut_after(Bytes::from_static(
        truncated_body(endpoint).as_bytes(),
    )))
}
