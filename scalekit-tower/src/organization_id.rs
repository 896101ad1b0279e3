//! A validated Scalekit organization id.
//!
//! ```
//! use scalekit_tower::OrganizationId;
//!
//! let id: OrganizationId = "org_59615193906282635".parse().unwrap();
//! assert_eq!(id.as_str(), "org_59615193906282635");
//! assert!(OrganizationId::new("../admin").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// The longest id Scalekit accepts.
pub const MAX_ORGANIZATION_ID_LEN: usize = 32;

/// A Scalekit organization id such as `org_59615193906282635`.
///
/// Valid ids start with `org_`, are at most 32 characters long and contain only
/// ASCII letters, digits and `_`. Checking this before any request means a
/// hostile or corrupted id never reaches a URL; the client percent-encodes the
/// path segment anyway.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrganizationId(String);

impl OrganizationId {
    /// Validates `id`.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidOrganizationId> {
        let id = id.into();
        let problem = if !id.starts_with("org_") {
            Some("it must start with `org_`")
        } else if id.len() > MAX_ORGANIZATION_ID_LEN {
            Some("it is longer than 32 characters")
        } else if id.len() == "org_".len() {
            Some("it has nothing after `org_`")
        } else if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Some("it may contain only ASCII letters, digits and `_`")
        } else {
            None
        };
        match problem {
            None => Ok(Self(id)),
            Some(reason) => Err(InvalidOrganizationId {
                shown: shown(&id),
                reason,
            }),
        }
    }

    /// The id as Scalekit spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A short, printable rendition of an untrusted id for error messages.
fn shown(id: &str) -> String {
    let mut out: String = id.chars().take(40).flat_map(char::escape_debug).collect();
    if id.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl fmt::Debug for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for OrganizationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for OrganizationId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for OrganizationId {
    type Err = InvalidOrganizationId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for OrganizationId {
    type Error = InvalidOrganizationId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&str> for OrganizationId {
    type Error = InvalidOrganizationId;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl serde::Serialize for OrganizationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for OrganizationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::new(raw).map_err(serde::de::Error::custom)
    }
}

/// An organization id failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid organization id \"{shown}\": {reason} (Scalekit ids look like org_59615193906282635)"
)]
pub struct InvalidOrganizationId {
    shown: String,
    reason: &'static str,
}

impl InvalidOrganizationId {
    /// Why the id was refused.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_scalekit_ids() {
        for id in [
            "org_1",
            "org_59615193906282635",
            "org_Test_A",
            &format!("org_{}", "9".repeat(28)),
        ] {
            assert_eq!(OrganizationId::new(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn refuses_hostile_ids() {
        let long = format!("org_{}", "9".repeat(29));
        let cases = [
            "",
            "org_",
            "org",
            "ORG_1",
            "1org_",
            "org_../x",
            "org_%2F",
            "org_a/b",
            "org_a b",
            "org_é",
            "org_\u{0}",
            "org_\n",
            "org_a-b",
            &long,
        ];
        for id in cases {
            let err = OrganizationId::new(id).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid organization id"),
                "{id:?}: {err}"
            );
        }
    }

    #[test]
    fn error_message_escapes_control_characters() {
        let err = OrganizationId::new("org_\u{1b}[31m").unwrap_err();
        assert!(!err.to_string().contains('\u{1b}'));
    }

    #[test]
    fn deserialize_validates() {
        assert!(serde_json::from_str::<OrganizationId>("\"org_1\"").is_ok());
        assert!(serde_json::from_str::<OrganizationId>("\"../x\"").is_err());
    }
}
