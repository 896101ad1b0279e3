//! A webhook receiver on 127.0.0.1:0 that records every delivery and
//! answers from a script, plus checks made with implementations from
//! outside this repository: the `standardwebhooks` crate for signatures and
//! the reference OpenAPI description's schemas for bodies.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use tokio::sync::mpsc;

/// Upper bound of any wait for a delivery (a hang guard, not a timing).
pub const PATIENCE: Duration = Duration::from_secs(15);

/// A delivery the receiver got.
#[derive(Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn webhook_id(&self) -> &str {
        self.headers["webhook-id"].to_str().unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap().to_owned()
    }

    /// Verifies the signature and timestamp as the official SDKs do.
    pub fn verify(&self, secret: &str) -> Result<(), standardwebhooks::WebhookError> {
        standardwebhooks::Webhook::new(secret)
            .expect("a whsec_ secret")
            .verify(&self.body, &self.headers)
    }
}

#[derive(Clone)]
struct ReceiverState {
    script: Arc<Mutex<VecDeque<u16>>>,
    seen: mpsc::UnboundedSender<Received>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = state.script.lock().unwrap().pop_front().unwrap_or(200);
    let _ = state.seen.send(Received { headers, body });
    StatusCode::from_u16(status).unwrap()
}

/// The app's webhook endpoint: answers the statuses of `script` in order,
/// then 200.
pub struct Receiver {
    pub url: String,
    seen: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        let (tx, seen) = mpsc::unbounded_channel();
        let state = ReceiverState {
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            seen: tx,
        };
        let app = Router::new()
            .route("/webhooks/scalekit", post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{addr}/webhooks/scalekit"),
            seen,
        }
    }

    /// The next delivery.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.seen.recv())
            .await
            .expect("a delivery within the patience")
            .expect("receiver running")
    }

    /// Whether a delivery arrived that has not been taken yet.
    pub fn has_more(&mut self) -> bool {
        !self.seen.is_empty()
    }
}

const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/reference/scalekit-openapi-webhooks-connections.yaml"
);

/// Validates a delivery body against the reference schema of its `type`
/// (`webhooks.<type>` in the reference); returns the errors.
pub fn schema_errors(body: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(REFERENCE).unwrap();
    let mut reference: Value = serde_norway::from_str(&text).unwrap();
    let event_type = body["type"].as_str().expect("a type");
    let schema_ref = reference["webhooks"][event_type]["post"]["requestBody"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("{event_type} is not a documented webhook"))
        .to_owned();
    // The whole document is the schema, entered through the type's `$ref`,
    // so nested `$ref`s resolve as written.
    reference["$ref"] = Value::String(schema_ref);
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&reference)
        .unwrap();
    validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
