//! Random identifiers and secrets, all from the operating system's random
//! source (through `uuid`'s v4 generator): `<prefix>_<digits>` record ids,
//! `evt_` event ids, `msg_` delivery ids, opaque secrets.

use uuid::Uuid;

/// 128 random bits.
pub(crate) fn random_u128() -> u128 {
    Uuid::new_v4().as_u128()
}

/// A decimal number of exactly `len` digits (1..=38) whose first digit is not 0.
pub(crate) fn random_digits(len: u32) -> String {
    let len = len.clamp(1, 38);
    let low = 10u128.pow(len - 1);
    let span = 10u128.pow(len) - low;
    (low + random_u128() % span).to_string()
}

/// `prefix` followed by `len` random digits, e.g. `org_59615193906282635`.
pub(crate) fn prefixed_digits(prefix: &str, len: u32) -> String {
    format!("{prefix}{}", random_digits(len))
}

/// A new event id, e.g. `evt_94568078213382471`.
pub(crate) fn event_id() -> String {
    prefixed_digits("evt_", 17)
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new `webhook-id`, e.g. `msg_2ikHxMd6qTbqRHAx4HJoKg`: the same for
/// every attempt (and every endpoint) of one event.
pub(crate) fn message_id() -> String {
    let mut value = random_u128();
    let mut id = String::from("msg_");
    for _ in 0..22 {
        id.push(char::from(BASE62[(value % 62) as usize]));
        value /= 62;
    }
    id
}

/// A random opaque secret: 64 lowercase hex digits (256 bits).
pub(crate) fn random_secret() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// A random UUID v4 in its hyphenated form.
pub(crate) fn random_uuid() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_the_requested_length() {
        for len in [1, 10, 17, 38] {
            let digits = random_digits(len);
            assert_eq!(digits.len(), len as usize);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            assert_ne!(digits.as_bytes()[0], b'0');
        }
    }

    #[test]
    fn event_and_message_ids_have_their_prefix_and_shape() {
        let event = event_id();
        assert_eq!(event.len(), "evt_".len() + 17);
        assert!(event[4..].bytes().all(|b| b.is_ascii_digit()));
        let message = message_id();
        assert!(message.starts_with("msg_"));
        assert_eq!(message.len(), "msg_".len() + 22);
        assert!(message[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(message_id(), message);
    }

    #[test]
    fn secrets_differ() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 64);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
