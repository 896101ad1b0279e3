//! The accept loop: plain HTTP (HTTP/1.1 and HTTP/2 with prior knowledge)
//! through `axum::serve`, or HTTPS that negotiates HTTP/2 or HTTP/1.1 by
//! ALPN, each handshake within its deadline. Both stop accepting on
//! shutdown and let open connections finish.

use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::state::AppState;

/// Serves `app` on `listener` until the emulator shuts down.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<(TlsAcceptor, Duration)>,
    state: AppState,
) {
    let Some((acceptor, handshake_deadline)) = tls else {
        let signal = async move { state.shutdown_signal().await };
        if let Err(err) = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::error!(%err, "emulator server stopped with an error");
        }
        return;
    };
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::debug!(%err, "accept failed");
                    continue;
                }
            },
            () = state.shutdown_signal() => return,
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(handshake_deadline, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(err)) => {
                        tracing::debug!(%err, %peer, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(stream),
                TowerToHyperService::new(app),
            );
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(%err, %peer, "connection ended with an error");
                    }
                }
                () = state.shutdown_signal() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
}
