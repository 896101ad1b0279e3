//! Each delivery fault, as the app's listener receives it.

use std::time::Duration;

use tokio::time::Instant;

use super::{Answer, Harness, Receiver, sso_disabled, sso_enabled};
use crate::webhooks::faults::DeliveryFault;
use crate::webhooks::log::DeliveryOutcome;

#[tokio::test]
async fn duplicate_fault_delivers_the_same_delivery_twice() {
    let mut app = Receiver::start(&[], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.faults().arm(DeliveryFault::Duplicate, 1);
    harness.dispatcher.send(&sso_enabled());
    harness.dispatcher.send(&sso_disabled());

    let first = app.next().await;
    let copy = app.next().await;
    let next = app.next().await;
    assert_eq!(first.webhook_id(), copy.webhook_id());
    assert_eq!(first.body, copy.body);
    harness.verify(&first).unwrap();
    harness.verify(&copy).unwrap();
    assert_ne!(next.webhook_id(), first.webhook_id());
    assert_eq!(next.event_type(), "organization.sso_disabled");
    let records = harness.settled(3).await;
    assert_eq!(records[0].webhook_id, records[1].webhook_id);
    assert_eq!(
        harness.log().counts()["organization.sso_enabled"].deliveries,
        2
    );
}

#[tokio::test]
async fn out_of_order_fault_sends_the_next_event_first() {
    let mut app = Receiver::start(&[], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.faults().arm(DeliveryFault::OutOfOrder, 1);
    harness.dispatcher.send(&sso_enabled());
    harness.dispatcher.send(&sso_disabled());

    assert_eq!(app.next().await.event_type(), "organization.sso_disabled");
    let late = app.next().await;
    assert_eq!(late.event_type(), "organization.sso_enabled");
    harness.verify(&late).unwrap();
}

#[tokio::test]
async fn wrong_secret_fault_signs_one_attempt_with_another_key() {
    let mut app = Receiver::start(&[Answer::Status(401)], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.faults().arm(DeliveryFault::WrongSecret, 1);
    harness.dispatcher.send(&sso_enabled());

    let forged = app.next().await;
    assert!(matches!(
        harness.verify(&forged),
        Err(standardwebhooks::WebhookError::InvalidSignature)
    ));
    // The app refused it; the retry carries a good signature.
    let retried = app.next().await;
    assert_eq!(retried.webhook_id(), forged.webhook_id());
    harness.verify(&retried).unwrap();
}

#[tokio::test]
async fn stale_timestamp_fault_signs_a_time_outside_the_tolerance() {
    let mut app = Receiver::start(&[Answer::Status(400)], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.faults().arm(DeliveryFault::StaleTimestamp, 1);
    harness.dispatcher.send(&sso_enabled());

    let stale = app.next().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(now - stale.timestamp() > 300, "older than 5 minutes");
    assert!(matches!(
        harness.verify(&stale),
        Err(standardwebhooks::WebhookError::TimestampTooOldError)
    ));
    // The signature itself is right for the stale time: only the replay
    // window refuses it.
    let expected = standardwebhooks::Webhook::new(harness.dispatcher.secret().as_str())
        .unwrap()
        .sign(stale.webhook_id(), stale.timestamp(), &stale.body)
        .unwrap();
    assert_eq!(stale.headers["webhook-signature"], expected.as_str());
    harness.verify(&app.next().await).unwrap();
}

#[tokio::test]
async fn delay_fault_holds_the_first_attempt_back() {
    let mut app = Receiver::start(&[], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    let delay = Duration::from_millis(150);
    harness.faults().set_delay(delay);
    let sent = Instant::now();
    harness.dispatcher.send(&sso_enabled());
    let received = app.next().await;
    assert!(received.at - sent >= delay);
    harness.verify(&received).unwrap();
}

#[tokio::test]
async fn drop_fault_never_sends_the_event() {
    let mut app = Receiver::start(&[], Answer::Status(200)).await;
    let harness = Harness::start(&[&app.url], |_| {});
    harness.faults().arm(DeliveryFault::Drop, 1);
    harness.dispatcher.send(&sso_enabled());
    harness.dispatcher.send(&sso_disabled());

    // Deliveries to one endpoint go in order, so the dropped event would
    // have arrived first.
    assert_eq!(app.next().await.event_type(), "organization.sso_disabled");
    let records = harness.settled(2).await;
    assert_eq!(records[0].event_type, "organization.sso_enabled");
    assert_eq!(
        (records[0].attempts, records[0].outcome),
        (0, DeliveryOutcome::Dropped)
    );
    assert_eq!(
        harness.log().counts()["organization.sso_enabled"].dropped,
        1
    );
    assert!(app.seen.try_recv().is_err());
}
