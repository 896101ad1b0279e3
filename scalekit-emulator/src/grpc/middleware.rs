//! What every gRPC call passes before its service: counting (by method
//! path), injected faults as gRPC answers, and the bearer-token check
//! (status 16 UNAUTHENTICATED, which the official SDKs answer by fetching a
//! token and retrying).

use std::io;

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body::Frame;

use crate::api::errors::{ApiError, cut};
use crate::api::fault_injection::{body_cut_after, take_fault};
use crate::api::token;
use crate::grpc::classify;
use crate::state::AppState;
use crate::store::fault_queue::FaultAction;

/// A gRPC status as a trailers-only response.
pub(super) fn status_response(status: tonic::Status) -> Response {
    status.into_http::<Body>().into_response()
}

/// Counts the call under its [`Endpoint`](crate::store::counters::Endpoint)
/// and makes it available to later middleware.
pub(super) async fn observe(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let endpoint = classify(request.uri().path());
    state.store.counters.request(endpoint);
    tracing::debug!(path = %request.uri().path(), %endpoint, "grpc call");
    request.extensions_mut().insert(endpoint);
    next.run(request).await
}

/// A valid bearer token or status 16 (the check REST makes).
pub(super) async fn require_bearer(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    token::require_bearer(&state, request, next, |error| status_response(error.into())).await
}

/// Status 12 UNIMPLEMENTED naming the method (`/package.Service/Method`).
fn not_served(path: &str) -> Response {
    status_response(tonic::Status::unimplemented(cut(&format!(
        "{path} is not served by the emulator"
    ))))
}

/// Calls no service serves: status 12 UNIMPLEMENTED.
pub(super) async fn unimplemented(request: Request) -> Response {
    not_served(request.uri().path())
}

/// A served service answers a method it lacks with an unnamed
/// UNIMPLEMENTED; this names the method, as for unknown services.
pub(super) async fn name_unimplemented(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let unimplemented = response
        .headers()
        .get("grpc-status")
        .is_some_and(|status| status == "12");
    let unnamed = response
        .headers()
        .get("grpc-message")
        .is_none_or(|message| message.is_empty());
    if unimplemented && unnamed {
        not_served(&path)
    } else {
        response
    }
}

/// Adds latency, then lets the first matching armed fault answer instead of
/// the service: an error status (the HTTP status's gRPC code), a message
/// that does not decode, a stream cut after its first bytes, or no answer
/// until shutdown.
pub(super) async fn inject_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (_, Some(action)) = take_fault(&state, &request).await else {
        return next.run(request).await;
    };
    match action {
        FaultAction::Fail {
            status,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = ApiError::new(status, format!("injected fault: HTTP {}", status.as_u16()));
            let error = match retry_after {
                Some(seconds) => error.with_retry_after(seconds),
                None => error,
            };
            status_response(error.into())
        }
        FaultAction::Malformed => malformed(),
        FaultAction::Reset => reset(),
        FaultAction::Hang => {
            state.shutdown_signal().await;
            status_response(tonic::Status::unavailable("emulator shutting down"))
        }
        // Shape faults are taken by the portal-link call, never here.
        FaultAction::OmitLocation | FaultAction::OverrideLocation(_) => next.run(request).await,
    }
}

/// A length-prefixed gRPC message whose bytes are no valid protobuf (a
/// field tag with wire type 7).
fn garbage_message() -> Bytes {
    Bytes::from_static(&[0, 0, 0, 0, 3, 0xff, 0xff, 0xff])
}

fn grpc_200(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    response
}

/// 200 with a message that does not decode, then status 0.
fn malformed() -> Response {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let frames = futures_util::stream::iter([
        Ok::<_, io::Error>(Frame::data(garbage_message())),
        Ok(Frame::trailers(trailers)),
    ]);
    grpc_200(Body::new(http_body_util::StreamBody::new(frames)))
}

/// 200 whose stream fails after the first bytes, so the server resets it.
fn reset() -> Response {
    grpc_200(body_cut_after(garbage_message()))
}
