//! Scalekit's side and the app's side of webhooks, end to end over real
//! HTTP: a portal toggle in the emulator -> a signed delivery -> the kit's
//! `WebhookService` on a 127.0.0.1 listener -> the app's handler.
//!
//! The handler runs exactly once per event even when the emulator delivers
//! it twice, and a handler error makes the emulator retry until the handler
//! succeeds (the retry schedule scaled down so it runs in milliseconds).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use scalekit_axum_extract::webhook_route;
use scalekit_emulator::{DeliveryOutcome, Emulator, demo};
use scalekit_testkit::portal::PortalSession;
use scalekit_testkit::{Served, client_for};
use scalekit_tower::webhook::{
    EventData, WebhookEvent, WebhookSecret, WebhookService, WebhookVerifier,
};
use scalekit_tower::{Feature, OrganizationId};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const PATH: &str = "/webhooks/scalekit";
/// Waits for the deliveries to settle; generous for a loaded machine.
const SETTLE: Duration = Duration::from_secs(30);

/// One run of the app's handler.
#[derive(Debug, Clone)]
struct Run {
    webhook_id: String,
    event_type: String,
    /// The organization of an SSO event.
    organization: Option<String>,
}

/// What the app's handler saw, run by run.
#[derive(Clone, Default)]
struct Handled(Arc<Mutex<Vec<Run>>>);

impl Handled {
    fn runs(&self) -> Vec<Run> {
        self.0.lock().unwrap().clone()
    }
}

/// Serves the kit's webhook service (verifying with `SECRET`) on a free
/// loopback port; `fail_first` handler runs answer an error.
async fn app(handled: Handled, fail_first: u32) -> Served {
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET).unwrap());
    let failures = Arc::new(AtomicU32::new(fail_first));
    let service = WebhookService::new(verifier, move |event: WebhookEvent| {
        let handled = handled.clone();
        let failures = failures.clone();
        async move {
            let organization = match event.data() {
                EventData::SsoEnabled(c) | EventData::SsoDisabled(c) => {
                    Some(c.organization_id.clone())
                }
                _ => None,
            };
            handled.0.lock().unwrap().push(Run {
                webhook_id: event.webhook_id().to_owned(),
                event_type: event.event_type().to_owned(),
                organization,
            });
            let failing = failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                Err("the app's database is down")
            } else {
                Ok(())
            }
        }
    });
    Served::axum(Router::new().merge(webhook_route(PATH, service))).await
}

async fn emulator_for(app: &Served) -> Emulator {
    Emulator::builder()
        .webhook_endpoint(app.url(PATH))
        .webhook_secret(SECRET)
        .webhook_retry_scale(0.001)
        .start()
        .await
        .expect("the emulator starts")
}

async fn settle(emulator: &Emulator) {
    tokio::time::timeout(SETTLE, emulator.webhooks_settled())
        .await
        .expect("the deliveries settle");
}

fn acme() -> OrganizationId {
    demo::ACME_ID.parse().unwrap()
}

#[tokio::test]
async fn a_duplicated_delivery_reaches_the_handler_once() {
    let handled = Handled::default();
    let app = app(handled.clone(), 0).await;
    let emulator = emulator_for(&app).await;
    let client = client_for(&emulator, Duration::from_secs(5));
    let portal = PortalSession::open(&emulator, &client, &acme(), &[Feature::Sso]).await;

    // Acme has SSO on: switching it off is one event, sent twice.
    emulator.faults().duplicate_next_webhooks(1);
    portal.set("sso", false).await;
    settle(&emulator).await;

    let deliveries: Vec<_> = emulator
        .deliveries()
        .into_iter()
        .filter(|d| d.event_type == "organization.sso_disabled")
        .collect();
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert_eq!(deliveries[0].webhook_id, deliveries[1].webhook_id);
    assert!(
        deliveries
            .iter()
            .all(|d| d.outcome == DeliveryOutcome::Acknowledged),
        "both copies acknowledged: {deliveries:?}"
    );
    let runs = handled.runs();
    let sso_runs: Vec<_> = runs
        .iter()
        .filter(|run| run.event_type == "organization.sso_disabled")
        .collect();
    assert_eq!(sso_runs.len(), 1, "{runs:?}");
    assert_eq!(sso_runs[0].webhook_id, deliveries[0].webhook_id);
    assert_eq!(sso_runs[0].organization.as_deref(), Some(demo::ACME_ID));
}

#[tokio::test]
async fn a_failed_handler_is_retried_until_it_succeeds() {
    let handled = Handled::default();
    let app = app(handled.clone(), 1).await;
    let emulator = emulator_for(&app).await;
    let client = client_for(&emulator, Duration::from_secs(5));
    let portal = PortalSession::open(&emulator, &client, &acme(), &[Feature::Sso]).await;

    portal.set("sso", false).await;
    settle(&emulator).await;

    let delivery = emulator
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "organization.sso_disabled")
        .expect("the event was delivered");
    assert_eq!(
        delivery.outcome,
        DeliveryOutcome::Acknowledged,
        "{delivery:?}"
    );
    assert_eq!(delivery.attempts, 2, "one 500, then success: {delivery:?}");
    assert_eq!(delivery.last_status, Some(204));
    // The handler ran twice for the same webhook-id: failed, then succeeded.
    let runs: Vec<_> = handled
        .runs()
        .into_iter()
        .filter(|run| run.webhook_id == delivery.webhook_id)
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let counts = emulator.stats().webhooks("organization.sso_disabled");
    assert_eq!((counts.attempts, counts.acknowledged), (2, 1));

    // Switching it on again is a new event, handled once on its first attempt.
    portal.set("sso", true).await;
    settle(&emulator).await;
    let enabled = emulator
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "organization.sso_enabled")
        .expect("the event was delivered");
    assert_eq!(enabled.attempts, 1);
    assert_eq!(
        handled
            .runs()
            .iter()
            .filter(|run| run.webhook_id == enabled.webhook_id)
            .count(),
        1
    );
}
