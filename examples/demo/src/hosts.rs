//! Which host names the demo answers for: by default the loopback names
//! with the port it is bound to, plus any configured. A request for another
//! `Host` (a DNS-rebinding page's `rebind.evil.test`, a stray proxy) gets
//! 421 and reaches no page, session or endpoint.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::HOST;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The `Host` values (`name` or `name:port`, lower case) the demo answers.
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts(Arc<HashSet<String>>);

impl AllowedHosts {
    /// `127.0.0.1`, `localhost` and `[::1]` on `addr`'s port, `addr`
    /// itself, and `extra` (`app.example.com` or `app.example.com:8443`).
    pub(crate) fn new(addr: SocketAddr, extra: &[String]) -> Self {
        let port = addr.port();
        let mut hosts: HashSet<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|name| format!("{name}:{port}"))
            .collect();
        hosts.insert(addr.to_string());
        hosts.extend(extra.iter().map(|host| host.trim().to_ascii_lowercase()));
        Self(Arc::new(hosts))
    }

    fn allows(&self, authority: &str) -> bool {
        let authority = authority.to_ascii_lowercase();
        if self.0.contains(&authority) {
            return true;
        }
        // A configured name without a port allows it on any port.
        let name = match authority.rsplit_once(':') {
            Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                name
            }
            _ => &authority,
        };
        self.0.contains(name)
    }
}

/// Refuses requests whose `Host` (or HTTP/2 `:authority`) is not allowed.
pub(crate) async fn check(
    State(allowed): State<AllowedHosts>,
    request: Request,
    next: Next,
) -> Response {
    let authority = match request.headers().get(HOST) {
        Some(host) => host.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    };
    if !authority.is_some_and(|authority| allowed.allows(authority)) {
        tracing::warn!(host = ?authority, "refused a request for a host this demo does not serve");
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "This server does not answer for that host name.",
        )
            .into_response();
    }
    next.run(request).await
}
