//! A sender that disconnects while the webhook handler runs
//! (`docs/reliability.md`, "Hostile and careless input"): the handler is not
//! cancelled mid-way, its claim is completed when it finishes, and the
//! retry is acknowledged as a duplicate; meanwhile a retry gets 409, never a
//! second, concurrent run.
//!
//! The endpoint is served by hyper on loopback and the sender is a raw TCP
//! socket, so the disconnect is a real one: hyper sees the socket close and
//! drops the request's future, as it does in production.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use scalekit_testkit::signing::sign_now;
use scalekit_tower::webhook::{
    Claim, ClaimToken, IdempotencyStore, MemoryIdempotencyStore, StoreError, WebhookEvent,
    WebhookService, WebhookVerifier,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &str = r#"{"id":"evt_1","type":"organization.sso_enabled","data":{"id":"conn_1","organization_id":"org_1","enabled":true}}"#;
/// Long enough for a slow CI machine, far shorter than the store's lease
/// (2 minutes), which is what a cancelled handler's retries would wait for.
const PATIENCE: Duration = Duration::from_secs(15);

/// What the store was asked to do after a claim.
#[derive(Debug, PartialEq, Eq)]
enum Settled {
    Completed,
    Released,
}

/// The default store, reporting each completion and release.
struct Watched {
    inner: MemoryIdempotencyStore,
    settled: mpsc::UnboundedSender<Settled>,
}

impl IdempotencyStore for Watched {
    async fn claim(&self, webhook_id: &str) -> Result<Claim, StoreError> {
        self.inner.claim(webhook_id).await
    }

    async fn complete(&self, webhook_id: &str) -> Result<(), StoreError> {
        let done = self.inner.complete(webhook_id).await;
        let _ = self.settled.send(Settled::Completed);
        done
    }

    async fn release(&self, webhook_id: &str, owner: ClaimToken) -> Result<(), StoreError> {
        let done = self.inner.release(webhook_id, owner).await;
        let _ = self.settled.send(Settled::Released);
        done
    }
}

/// A handler that says when it starts, waits for its gate, and counts its
/// runs and how many run at once.
#[derive(Clone)]
struct Held {
    started: Arc<Notify>,
    gate: watch::Receiver<bool>,
    runs: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
}

impl Held {
    async fn handle(self, _event: WebhookEvent) -> Result<(), String> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        self.started.notify_one();
        let mut gate = self.gate.clone();
        let opened = gate.wait_for(|open| *open).await.map(drop);
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.finished.fetch_add(1, Ordering::SeqCst);
        opened.map_err(|_| "the test ended".to_owned())
    }
}

/// Serves `service` over HTTP/1.1 on loopback; every connection that ends
/// is reported on the channel.
async fn serve<S>(service: S) -> (SocketAddr, mpsc::UnboundedReceiver<()>)
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<String>,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (closed, closings) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let service = TowerToHyperService::new(service.clone());
            let closed = closed.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
                let _ = closed.send(());
            });
        }
    });
    (address, closings)
}

/// The bytes of a signed delivery of `BODY` as `webhook_id`.
fn signed_request(webhook_id: &str) -> Vec<u8> {
    let (now, signature) = sign_now(SECRET, webhook_id, BODY);
    format!(
        "POST /webhooks/scalekit HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nwebhook-id: {webhook_id}\r\nwebhook-timestamp: {now}\r\n\
         webhook-signature: {signature}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes()
}

/// Delivers `webhook_id` on a fresh connection and answers the status code.
async fn deliver(address: SocketAddr, webhook_id: &str) -> u16 {
    let mut socket = TcpStream::connect(address).await.unwrap();
    socket.write_all(&signed_request(webhook_id)).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(PATIENCE, socket.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_that_disconnects_mid_handler_leaves_no_claim_in_flight() {
    let (open_gate, gate) = watch::channel(false);
    let held = Held {
        started: Arc::new(Notify::new()),
        gate,
        runs: Arc::default(),
        finished: Arc::default(),
        running: Arc::default(),
        most_at_once: Arc::default(),
    };
    let (settled, mut settlements) = mpsc::unbounded_channel();
    let store = Watched {
        inner: MemoryIdempotencyStore::new(),
        settled,
    };
    let handler = held.clone();
    let verifier = WebhookVerifier::from_lookup(|_| Some(SECRET.to_owned())).unwrap();
    let service =
        WebhookService::new(verifier, move |event| handler.clone().handle(event)).with_store(store);
    let (address, mut closings) = serve(service).await;

    // The sender posts a delivery and hangs up while the handler runs.
    let mut sender = TcpStream::connect(address).await.unwrap();
    sender
        .write_all(&signed_request("msg_hangup"))
        .await
        .unwrap();
    tokio::time::timeout(PATIENCE, held.started.notified())
        .await
        .expect("the handler started");
    drop(sender);
    tokio::time::timeout(PATIENCE, closings.recv())
        .await
        .expect("hyper saw the sender hang up and ended its connection");

    // Its retry, while the first run still holds the claim: 409, no second run.
    assert_eq!(deliver(address, "msg_hangup").await, 409);
    assert_eq!(held.runs.load(Ordering::SeqCst), 1);

    // The first run was not cancelled: it finishes and completes its claim.
    open_gate.send(true).unwrap();
    let settled = tokio::time::timeout(PATIENCE, settlements.recv()).await;
    assert_eq!(
        settled.ok().flatten(),
        Some(Settled::Completed),
        "the hang-up cancelled the handler: its claim stays in flight until the lease runs out \
         and every retry meanwhile gets 409"
    );
    assert_eq!(held.finished.load(Ordering::SeqCst), 1);

    // The next retry is a duplicate of a handled delivery.
    assert_eq!(deliver(address, "msg_hangup").await, 204);
    assert_eq!(held.runs.load(Ordering::SeqCst), 1, "the handler ran once");
    assert_eq!(held.most_at_once.load(Ordering::SeqCst), 1);
}
