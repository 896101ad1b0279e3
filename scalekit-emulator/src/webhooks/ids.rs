//! Identifiers of events and deliveries, in the shapes Scalekit sends:
//! `evt_` with 17 digits for an event, `msg_` with base62 characters for the
//! `webhook-id` of its deliveries.

use uuid::Uuid;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new event id, e.g. `evt_94568078213382471`.
pub(crate) fn event_id() -> String {
    let low = 10u128.pow(16);
    let span = 10u128.pow(17) - low;
    format!("evt_{}", low + Uuid::new_v4().as_u128() % span)
}

/// A new `webhook-id`, e.g. `msg_2ikHxMd6qTbqRHAx4HJoKg`: the same for
/// every attempt (and every endpoint) of one event.
pub(crate) fn message_id() -> String {
    let mut value = Uuid::new_v4().as_u128();
    let mut id = String::from("msg_");
    for _ in 0..22 {
        id.push(char::from(BASE62[(value % 62) as usize]));
        value /= 62;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_shape() {
        let event = event_id();
        assert_eq!(event.len(), "evt_".len() + 17);
        assert!(event[4..].bytes().all(|b| b.is_ascii_digit()));
        let message = message_id();
        assert!(message.starts_with("msg_"));
        assert_eq!(message.len(), "msg_".len() + 22);
        assert!(message[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(message_id(), message);
    }
}
