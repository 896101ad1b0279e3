//! A directory's SCIM bearer secret: answered in full once, when created or
//! regenerated; afterwards only its hint (the last characters) is shown.

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::format::ids;
use crate::format::timefmt::rfc3339;

/// How many trailing characters of a secret its hint shows.
const SUFFIX_LEN: usize = 4;

/// The one current secret of a directory.
#[derive(Clone)]
pub(crate) struct DirectorySecret {
    /// `dirsec_...`.
    pub(crate) id: String,
    plain: String,
    pub(crate) create_time: OffsetDateTime,
    pub(crate) last_used_time: Option<OffsetDateTime>,
}

impl std::fmt::Debug for DirectorySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectorySecret")
            .field("id", &self.id)
            .field("secret_suffix", &self.suffix())
            .finish_non_exhaustive()
    }
}

impl DirectorySecret {
    /// A fresh random secret.
    pub(crate) fn generate() -> Self {
        Self {
            id: ids::prefixed_digits("dirsec_", 17),
            plain: format!("scim_{}", ids::random_secret()),
            create_time: OffsetDateTime::now_utc(),
            last_used_time: None,
        }
    }

    /// The full secret: for the one answer that creates it.
    pub(crate) fn plain(&self) -> &str {
        &self.plain
    }

    /// Its last characters, the hint the API and portal show.
    pub(crate) fn suffix(&self) -> &str {
        &self.plain[self.plain.len().saturating_sub(SUFFIX_LEN)..]
    }

    /// Whether `presented` is this secret (constant time).
    pub(crate) fn matches(&self, presented: &str) -> bool {
        ids::constant_time_eq(self.plain.as_bytes(), presented.as_bytes())
    }

    /// The REST representation (`Secret`), a hint only.
    pub(crate) fn to_json(&self, directory_id: &str) -> Value {
        let mut secret = json!({
            "id": self.id,
            "create_time": rfc3339(self.create_time),
            "secret_suffix": self.suffix(),
            "status": "ACTIVE",
            "directory_id": directory_id,
        });
        if let (Some(used), Some(map)) = (self.last_used_time, secret.as_object_mut()) {
            map.insert("last_used_time".into(), json!(rfc3339(used)));
        }
        secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_a_hint() {
        let secret = DirectorySecret::generate();
        let json = secret.to_json("dir_1");
        assert_eq!(json["secret_suffix"].as_str().unwrap().len(), SUFFIX_LEN);
        assert!(!json.to_string().contains(secret.plain()));
        assert!(!format!("{secret:?}").contains(secret.plain()));
        assert!(secret.matches(secret.plain()));
        assert!(!secret.matches("scim_wrong"));
    }
}
