//! A round-robin front for several replicas of an app, as a load balancer
//! would stand before them: each request goes to the next replica; one that
//! cannot be reached is skipped (its request goes to the next).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};

/// The largest request body forwarded.
const MAX_BODY: usize = 1024 * 1024;

/// A running round-robin front on 127.0.0.1.
#[derive(Debug)]
pub struct RoundRobin {
    addr: SocketAddr,
    backends: Arc<Backends>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct Backends {
    origins: RwLock<Vec<String>>,
    next: AtomicUsize,
    http: reqwest::Client,
}

impl RoundRobin {
    /// Starts a front for `origins` (`http://127.0.0.1:PORT`; none yet is
    /// fine: [`route_to`](Self::route_to) sets them).
    pub async fn start(origins: Vec<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let backends = Arc::new(Backends {
            origins: RwLock::new(origins),
            next: AtomicUsize::new(0),
            http,
        });
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&backends));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            addr,
            backends,
            server,
        }
    }

    /// Sends the next requests to `origins`.
    pub fn route_to(&self, origins: Vec<String>) {
        *self.backends.origins.write().unwrap() = origins;
    }

    /// The front's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(State(backends): State<Arc<Backends>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let origins = backends.origins.read().unwrap().clone();
    let first = backends.next.fetch_add(1, Ordering::Relaxed);
    for attempt in 0..origins.len() {
        let origin = &origins[(first + attempt) % origins.len()];
        let mut outgoing = backends
            .http
            .request(parts.method.clone(), format!("{origin}{path}"))
            .body(body.clone());
        for (name, value) in &parts.headers {
            if name != "host" && name != "content-length" {
                outgoing = outgoing.header(name, value);
            }
        }
        let Ok(answer) = outgoing.send().await else {
            // Down: a load balancer's health check would have taken it out.
            continue;
        };
        let status = answer.status();
        let headers = answer.headers().clone();
        let Ok(bytes) = answer.bytes().await else {
            continue;
        };
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = status;
        for (name, value) in &headers {
            if name != HeaderName::from_static("transfer-encoding") && name != "content-length" {
                response.headers_mut().append(name, value.clone());
            }
        }
        return response;
    }
    StatusCode::BAD_GATEWAY.into_response()
}
