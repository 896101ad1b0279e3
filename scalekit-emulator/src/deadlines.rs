//! How long a peer may take: the TLS handshake, and the request body once
//! the headers are in (a request that announces a body and never sends it,
//! over HTTP/1.1 or as an HTTP/2 stream, would otherwise hold its handler
//! forever). Bodies are read in full before any handler runs, up to
//! [`MAX_BODY_BYTES`]; the API's bodies are small JSON or protobuf
//! messages.

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;

use crate::api::errors::ApiError;
use crate::grpc;
use crate::state::AppState;

/// The largest request body read (axum's default limit).
pub(crate) const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Reads the request body within its deadline, then runs the request with
/// the body in memory. Too slow: 408 in the REST error shape, or gRPC
/// status 4 (`DEADLINE_EXCEEDED`) for a gRPC call; too large: 413, or
/// status 8 (`RESOURCE_EXHAUSTED`).
pub(crate) async fn read_body_in_time(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let deadline = state.config.deadlines.request_body;
    let (parts, body) = request.into_parts();
    let message = format!(
        "the request body did not arrive within {} seconds",
        deadline.as_secs()
    );
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    let error = match tokio::time::timeout(deadline, limited.collect()).await {
        Ok(Ok(collected)) => {
            return next
                .run(Request::from_parts(parts, Body::from(collected.to_bytes())))
                .await;
        }
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        Ok(Err(err)) => {
            ApiError::invalid_argument(format!("the request body could not be read: {err}"))
        }
        Err(_) => ApiError::new(StatusCode::REQUEST_TIMEOUT, message),
    };
    if grpc::is_grpc(&parts.headers) {
        tonic::Status::from(error)
            .into_http::<Body>()
            .into_response()
    } else {
        error.into_response()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use crate::Emulator;

    use crate::state::Deadlines;

    const SHORT: Deadlines = Deadlines {
        tls_handshake: Duration::from_millis(300),
        request_body: Duration::from_millis(300),
    };
    /// Far past the deadlines, well before the test would hang.
    const PATIENCE: Duration = Duration::from_secs(10);

    async fn emulator(tls: bool) -> Emulator {
        Emulator::builder()
            .tls(tls)
            .deadlines(SHORT)
            .start()
            .await
            .unwrap()
    }

    /// Everything the server sends until it closes, or what came within
    /// [`PATIENCE`].
    async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, bool) {
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match tokio::time::timeout(PATIENCE, stream.read(&mut buffer)).await {
                Ok(Ok(0) | Err(_)) => return (seen, true),
                Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
                Err(_) => return (seen, false),
            }
        }
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused() {
        let emu = emulator(false).await;
        let response = reqwest::Client::new()
            .post(emu.url("/api/v1/organizations"))
            .body(vec![b' '; super::MAX_BODY_BYTES + 1])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
    }

    #[tokio::test]
    async fn a_silent_tls_client_is_dropped_after_the_handshake_deadline() {
        let emu = emulator(true).await;
        let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
        let (_, closed) = read_until_closed(&mut stream).await;
        assert!(closed, "the server kept a silent TLS connection open");
    }

    #[tokio::test]
    async fn an_http1_body_that_never_comes_is_answered_408() {
        let emu = emulator(false).await;
        let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
        stream
            .write_all(
                b"POST /oauth/token HTTP/1.1\r\nhost: 127.0.0.1\r\n\
                  content-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\n",
            )
            .await
            .unwrap();
        let mut buffer = [0u8; 1024];
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buffer))
            .await
            .expect("an answer within the patience")
            .unwrap();
        let answer = String::from_utf8_lossy(&buffer[..n]);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }

    /// An HTTP/2 stream whose HEADERS promise a body (no END_STREAM) that
    /// never comes: the server answers the stream (HEADERS on stream 1)
    /// after the deadline.
    #[tokio::test]
    async fn an_http2_stream_without_its_body_is_answered() {
        let emu = emulator(false).await;
        let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
        let mut block = vec![0x83, 0x86]; // :method POST, :scheme http
        block.push(0x44); // :path, literal value
        block.push(12);
        block.extend_from_slice(b"/oauth/token");
        let authority = emu.addr().to_string();
        block.push(0x41); // :authority, literal value
        block.push(u8::try_from(authority.len()).unwrap());
        block.extend_from_slice(authority.as_bytes());
        let mut frames = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
        frames.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]); // empty SETTINGS
        let length = u32::try_from(block.len()).unwrap().to_be_bytes();
        // HEADERS, flags END_HEADERS only, stream 1.
        frames.extend_from_slice(&[length[1], length[2], length[3], 0x1, 0x4, 0, 0, 0, 1]);
        frames.extend_from_slice(&block);
        stream.write_all(&frames).await.unwrap();

        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        let answered = loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Ok(Ok(n)) = tokio::time::timeout(remaining, stream.read(&mut buffer)).await else {
                break false;
            };
            if n == 0 {
                break false;
            }
            seen.extend_from_slice(&buffer[..n]);
            // Walk the frames: a HEADERS frame (type 1) on stream 1.
            let mut at = 0;
            let mut found = false;
            while at + 9 <= seen.len() {
                let len = usize::from(seen[at]) << 16
                    | usize::from(seen[at + 1]) << 8
                    | usize::from(seen[at + 2]);
                let stream_id =
                    u32::from_be_bytes([seen[at + 5], seen[at + 6], seen[at + 7], seen[at + 8]]);
                if seen[at + 3] == 0x1 && stream_id == 1 {
                    found = true;
                }
                at += 9 + len;
            }
            if found {
                break true;
            }
        };
        assert!(answered, "no answer on the stream: {seen:?}");
    }
}
