//! Scalekit organizations: what the client reads and writes.
//!
//! ```
//! use scalekit_tower::{Feature, FeatureToggle, NewOrganization};
//!
//! let new = NewOrganization::new("Acme Corp").with_external_id("tenant-42");
//! assert_eq!(new.display_name(), "Acme Corp");
//! let toggles = [FeatureToggle::new(Feature::Sso, true), FeatureToggle::new(Feature::DirSync, false)];
//! assert_eq!(toggles[1].name(), "dir_sync");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::link::Feature;
use crate::organization_id::OrganizationId;

/// An organization (a customer tenant) in a Scalekit environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// Scalekit's id.
    pub id: OrganizationId,
    /// The display name.
    #[serde(default)]
    pub display_name: String,
    /// The app's own id for this tenant, when it set one.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub external_id: Option<String>,
    /// Where the organization's data lives (`US`, `EU`).
    #[serde(default, deserialize_with = "empty_as_none")]
    pub region_code: Option<String>,
    /// When it was created.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub create_time: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub update_time: Option<OffsetDateTime>,
    /// Free-form key/value pairs.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Feature toggles.
    #[serde(default)]
    pub settings: OrganizationSettings,
}

impl Organization {
    /// Whether `feature` is switched on for this organization.
    pub fn feature_enabled(&self, feature: &Feature) -> bool {
        self.settings
            .features
            .iter()
            .any(|toggle| toggle.name == feature.as_str() && toggle.enabled)
    }
}

pub(crate) fn empty_as_none<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// An organization's feature toggles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrganizationSettings {
    /// One entry per feature Scalekit reports.
    #[serde(default)]
    pub features: Vec<FeatureToggle>,
}

/// One feature switched on or off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureToggle {
    name: String,
    enabled: bool,
}

impl FeatureToggle {
    /// Switches `feature` on (`true`) or off.
    pub fn new(feature: Feature, enabled: bool) -> Self {
        Self {
            name: feature.as_str().to_owned(),
            enabled,
        }
    }

    /// The feature's name (`sso`, `dir_sync`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }
}

/// What to create with [`Client::create_organization`](crate::Client::create_organization).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrganization {
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    metadata: BTreeMap<String, String>,
}

impl NewOrganization {
    /// An organization called `display_name` (1 to 200 characters).
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            display_name: display_name.into(),
            external_id: None,
            metadata: BTreeMap::new(),
        }
    }

    /// Links it to the app's own tenant id.
    #[must_use]
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Adds a metadata pair.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}

/// One page of [`Client::list_organizations`](crate::Client::list_organizations).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationPage {
    /// The organizations on this page.
    #[serde(default)]
    pub organizations: Vec<Organization>,
    /// The token of the next page; `None` on the last page.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub next_page_token: Option<String>,
    /// The token of the previous page; `None` on the first page.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub prev_page_token: Option<String>,
    /// How many organizations the environment has in all.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_size: u64,
}

/// Accepts a number or a numeric string (protobuf JSON encodes int64 as strings).
pub(crate) fn lenient_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(u64),
        String(String),
    }
    match NumberOrString::deserialize(d)? {
        NumberOrString::Number(n) => Ok(n),
        NumberOrString::String(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_reference_shape() {
        let json = r#"{"id":"org_59615193906282635","display_name":"Megasoft","external_id":"my_unique_id",
            "create_time":"2025-02-15T06:23:44.560000Z","update_time":"2025-02-15T06:23:44Z","region_code":"US",
            "metadata":{"industry":"tech"},"settings":{"features":[{"name":"sso","enabled":true},{"name":"dir_sync","enabled":false}]},
            "slug":"acme"}"#;
        let org: Organization = serde_json::from_str(json).unwrap();
        assert_eq!(org.id.as_str(), "org_59615193906282635");
        assert_eq!(org.external_id.as_deref(), Some("my_unique_id"));
        assert!(org.feature_enabled(&Feature::Sso));
        assert!(!org.feature_enabled(&Feature::DirSync));
        assert_eq!(org.create_time.unwrap().nanosecond(), 560_000_000);
    }

    #[test]
    fn page_accepts_string_total_and_empty_tokens() {
        let page: OrganizationPage =
            serde_json::from_str(r#"{"organizations":[],"next_page_token":"","total_size":"30"}"#)
                .unwrap();
        assert_eq!(page.total_size, 30);
        assert_eq!(page.next_page_token, None);
    }
}
