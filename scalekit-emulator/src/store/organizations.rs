//! Organizations: the record (with its SSO connection, directory and
//! domains), its JSON form and the per-instance collection.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::format::ids;
use crate::format::timefmt::rfc3339;
use crate::store::connections::Connection;
use crate::store::directories::Directory;
use crate::store::domains::{Domain, MAX_DOMAINS_PER_ORGANIZATION, normalize_domain_name};
use crate::store::org_settings::{SessionPolicy, UserManagement};

/// Feature name for single sign-on.
pub(crate) const SSO: &str = "sso";
/// Feature name for directory sync (SCIM).
pub(crate) const DIR_SYNC: &str = "dir_sync";
/// Feature name for the domain-verification module.
pub(crate) const DOMAIN_VERIFICATION: &str = "domain_verification";
/// Feature name for session policies.
pub(crate) const SESSION_POLICY: &str = "session_policy";
/// Feature names `PATCH .../settings` accepts (the documented ones).
pub(crate) const SETTABLE_FEATURES: [&str; 4] =
    [SSO, DIR_SYNC, DOMAIN_VERIFICATION, SESSION_POLICY];

/// Checks an organization id as Scalekit does: `org_` prefix, 1 to 32
/// characters. The error is the message to answer with.
pub(crate) fn validate_id(id: &str) -> Result<(), String> {
    let len = id.chars().count();
    if id.starts_with("org_") && (1..=32).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "invalid organization id {id:?}: must start with org_ and be 1 to 32 characters"
        ))
    }
}

/// The longest display name, in characters.
pub(crate) const MAX_DISPLAY_NAME: usize = 200;

/// Checks a display name: 1 to [`MAX_DISPLAY_NAME`] characters, not only
/// whitespace. The error is the message to answer with.
pub(crate) fn validate_display_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > MAX_DISPLAY_NAME {
        Err(format!(
            "display_name must be between 1 and {MAX_DISPLAY_NAME} characters"
        ))
    } else {
        Ok(())
    }
}

/// Why a domain could not be added to an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainRefusal {
    /// Not a domain name; says why.
    Invalid(String),
    /// The organization already has it.
    Duplicate(String),
    /// The organization holds [`MAX_DOMAINS_PER_ORGANIZATION`] domains.
    TooMany,
}

/// What [`Organization::set_sso`] and [`Organization::set_directory`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transition<T> {
    /// The connection or directory as it was created (disabled), if it did
    /// not exist before.
    pub(crate) created: Option<T>,
    /// Its `enabled` flag changed.
    pub(crate) toggled: bool,
}

/// A read-only copy of one organization, from
/// [`Emulator::organization`](crate::Emulator::organization).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OrganizationInfo {
    /// Scalekit id (`org_...`).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// The app's own id for the organization, if set.
    pub external_id: Option<String>,
    /// Key/value metadata.
    pub metadata: BTreeMap<String, String>,
    /// Feature toggles as `(name, enabled)`, `sso` and `dir_sync` first.
    pub features: Vec<(String, bool)>,
    /// Id of the organization's SSO connection (`conn_...`), stable until
    /// the connection is deleted through the API (the next one gets a new
    /// id).
    pub sso_connection_id: String,
    /// Id of the organization's SCIM directory (`dir_...`), stable for its
    /// lifetime.
    pub directory_id: String,
}

impl OrganizationInfo {
    /// Whether a feature (`"sso"`, `"dir_sync"`, ...) is enabled.
    pub fn feature_enabled(&self, name: &str) -> bool {
        self.features
            .iter()
            .any(|(feature, enabled)| feature == name && *enabled)
    }
}

/// One organization.
#[derive(Debug, Clone)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) external_id: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    /// A short unique name, if set.
    pub(crate) slug: Option<String>,
    /// The logo's URL, if set.
    pub(crate) logo_url: Option<String>,
    /// Where session timeouts come from.
    pub(crate) session_policy: SessionPolicy,
    /// The user limit.
    pub(crate) user_management: UserManagement,
    create_time: OffsetDateTime,
    update_time: OffsetDateTime,
    features: Vec<(String, bool)>,
    /// `conn_...`, stable until the connection is deleted.
    pub(crate) connection_id: String,
    /// `"OIDC"` or `"SAML"`.
    pub(crate) connection_type: &'static str,
    /// `dir_...`, stable.
    pub(crate) directory_id: String,
    /// The SSO connection, once the admin has touched the SSO section.
    pub(crate) connection: Option<Connection>,
    /// The SCIM directory, once the admin has touched the directory section.
    pub(crate) directory: Option<Directory>,
    /// Domains in the order they were added.
    pub(crate) domains: Vec<Domain>,
}

impl Organization {
    /// A new organization with `sso` and `dir_sync` set as given; an enabled
    /// feature comes with an enabled, completed connection or directory.
    pub(crate) fn new(
        id: String,
        display_name: String,
        external_id: Option<String>,
        metadata: BTreeMap<String, String>,
        sso: bool,
        dir_sync: bool,
        connection_type: &'static str,
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        let mut organization = Self {
            id,
            display_name,
            external_id,
            metadata,
            slug: None,
            logo_url: None,
            session_policy: SessionPolicy::default(),
            user_management: UserManagement::default(),
            create_time: now,
            update_time: now,
            features: vec![(SSO.to_owned(), false), (DIR_SYNC.to_owned(), false)],
            connection_id: ids::prefixed_digits("conn_", 17),
            connection_type,
            directory_id: ids::prefixed_digits("dir_", 17),
            connection: None,
            directory: None,
            domains: Vec::new(),
        };
        if sso {
            organization.set_sso(true);
        }
        if dir_sync {
            organization.set_directory(true);
        }
        organization.update_time = now;
        organization
    }

    /// Enables or disables SSO: creates the connection on first use, sets
    /// its `enabled` flag and the `sso` feature.
    pub(crate) fn set_sso(&mut self, enabled: bool) -> Transition<Connection> {
        let mut created = None;
        let connection = self.connection.get_or_insert_with(|| {
            let connection = Connection::new(
                self.connection_id.clone(),
                &self.id,
                &self.display_name,
                self.connection_type,
            );
            created = Some(connection.clone());
            connection
        });
        let toggled = connection.set_enabled(enabled);
        self.set_feature(SSO, enabled);
        Transition { created, toggled }
    }

    /// Enables or disables directory sync: creates the directory on first
    /// use, sets its `enabled` flag and the `dir_sync` feature.
    pub(crate) fn set_directory(&mut self, enabled: bool) -> Transition<Directory> {
        let mut created = None;
        let directory = self.directory.get_or_insert_with(|| {
            let directory = Directory::new(self.directory_id.clone(), &self.id);
            created = Some(directory.clone());
            directory
        });
        let toggled = directory.set_enabled(enabled);
        self.set_feature(DIR_SYNC, enabled);
        Transition { created, toggled }
    }

    /// Adds a pending domain.
    pub(crate) fn add_domain(
        &mut self,
        environment_id: &str,
        name: &str,
        domain_type: &'static str,
    ) -> Result<&Domain, DomainRefusal> {
        let name = normalize_domain_name(name).map_err(DomainRefusal::Invalid)?;
        if self.domains.iter().any(|d| d.name == name) {
            return Err(DomainRefusal::Duplicate(name));
        }
        if self.domains.len() >= MAX_DOMAINS_PER_ORGANIZATION {
            return Err(DomainRefusal::TooMany);
        }
        let mut domain = Domain::new(&self.id, environment_id, name);
        domain.domain_type = domain_type;
        self.domains.push(domain);
        Ok(&self.domains[self.domains.len() - 1])
    }

    /// One domain by id.
    pub(crate) fn domain_mut(&mut self, domain_id: &str) -> Option<&mut Domain> {
        self.domains.iter_mut().find(|d| d.id == domain_id)
    }

    /// Removes a domain by id.
    pub(crate) fn remove_domain(&mut self, domain_id: &str) -> Option<Domain> {
        let index = self.domains.iter().position(|d| d.id == domain_id)?;
        Some(self.domains.remove(index))
    }

    /// Forgets the SSO connection: the next one gets a fresh id, and the
    /// `sso` feature is off. Returns the connection as it was.
    pub(crate) fn remove_connection(&mut self) -> Option<Connection> {
        let removed = self.connection.take()?;
        self.connection_id = ids::prefixed_digits("conn_", 17);
        self.set_feature(SSO, false);
        Some(removed)
    }

    /// Marks the organization changed now.
    pub(crate) fn touch(&mut self) {
        self.update_time = OffsetDateTime::now_utc();
    }

    /// Whether `query` (lowercase) occurs in its display name, id,
    /// external id or slug, ignoring case.
    pub(crate) fn matches(&self, query: &str) -> bool {
        [
            Some(self.display_name.as_str()),
            Some(self.id.as_str()),
            self.external_id.as_deref(),
            self.slug.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(query))
    }

    /// Whether a feature is enabled.
    pub(crate) fn feature(&self, name: &str) -> bool {
        self.features
            .iter()
            .any(|(n, enabled)| n == name && *enabled)
    }

    /// Sets a feature, adding it if it was not listed yet.
    pub(crate) fn set_feature(&mut self, name: &str, enabled: bool) {
        match self.features.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = enabled,
            None => self.features.push((name.to_owned(), enabled)),
        }
        self.update_time = OffsetDateTime::now_utc();
    }

    /// When it was created.
    pub(crate) fn create_time(&self) -> OffsetDateTime {
        self.create_time
    }

    /// When it last changed.
    pub(crate) fn update_time(&self) -> OffsetDateTime {
        self.update_time
    }

    /// Its feature settings (`name`, `enabled`), in order.
    pub(crate) fn features(&self) -> &[(String, bool)] {
        &self.features
    }

    /// The REST representation.
    pub(crate) fn to_json(&self) -> Value {
        let features: Vec<Value> = self
            .features
            .iter()
            .map(|(name, enabled)| json!({ "name": name, "enabled": enabled }))
            .collect();
        let mut object = json!({
            "id": self.id,
            "display_name": self.display_name,
            "create_time": rfc3339(self.create_time),
            "update_time": rfc3339(self.update_time),
            "region_code": "US",
            "metadata": self.metadata,
            "settings": { "features": features },
        });
        if let Some(map) = object.as_object_mut() {
            for (key, value) in [
                ("external_id", &self.external_id),
                ("slug", &self.slug),
                ("logo_url", &self.logo_url),
            ] {
                if let Some(value) = value {
                    map.insert(key.to_owned(), json!(value));
                }
            }
        }
        object
    }

    /// A public copy.
    pub(crate) fn info(&self) -> OrganizationInfo {
        OrganizationInfo {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            external_id: self.external_id.clone(),
            metadata: self.metadata.clone(),
            features: self.features.clone(),
            sso_connection_id: self.connection_id.clone(),
            directory_id: self.directory_id.clone(),
        }
    }
}

/// Why an organization could not be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conflict {
    Id(String),
    ExternalId(String),
}

/// All organizations of one emulator, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Organizations {
    organizations: Vec<Organization>,
}

impl Organizations {
    /// Adds an organization; ids and external ids are unique.
    pub(crate) fn insert(&mut self, organization: Organization) -> Result<(), Conflict> {
        if self.get(&organization.id).is_some() {
            return Err(Conflict::Id(organization.id));
        }
        if let Some(external_id) = &organization.external_id
            && self.by_external_id(external_id).is_some()
        {
            return Err(Conflict::ExternalId(external_id.clone()));
        }
        self.organizations.push(organization);
        Ok(())
    }

    /// Creates an organization with a fresh `org_<digits>` id.
    pub(crate) fn create(
        &mut self,
        display_name: String,
        external_id: Option<String>,
        metadata: BTreeMap<String, String>,
    ) -> Result<&mut Organization, Conflict> {
        let id = loop {
            let candidate = ids::prefixed_digits("org_", 17);
            if self.get(&candidate).is_none() {
                break candidate;
            }
        };
        let connection_type = self.next_connection_type();
        let organization = Organization::new(
            id,
            display_name,
            external_id,
            metadata,
            false,
            false,
            connection_type,
        );
        self.insert(organization)?;
        let last = self.organizations.len() - 1;
        Ok(&mut self.organizations[last])
    }

    /// Removes an organization, with everything it holds.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Organization> {
        let index = self.organizations.iter().position(|o| o.id == id)?;
        Some(self.organizations.remove(index))
    }

    /// Alternates OIDC and SAML so both shapes show up in demos.
    pub(crate) fn next_connection_type(&self) -> &'static str {
        if self.organizations.len().is_multiple_of(2) {
            "OIDC"
        } else {
            "SAML"
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Organization> {
        self.organizations.iter_mut().find(|o| o.id == id)
    }

    pub(crate) fn by_external_id(&self, external_id: &str) -> Option<&Organization> {
        self.organizations
            .iter()
            .find(|o| o.external_id.as_deref() == Some(external_id))
    }

    /// Organizations in creation order, optionally only those with the given
    /// external id.
    pub(crate) fn filtered<'a>(
        &'a self,
        external_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Organization> + 'a {
        self.organizations
            .iter()
            .filter(move |o| external_id.is_none_or(|e| o.external_id.as_deref() == Some(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_ids() {
        assert!(validate_id("org_1").is_ok());
        assert!(validate_id("org_").is_ok());
        assert!(validate_id(&format!("org_{}", "1".repeat(28))).is_ok());
        assert!(validate_id(&format!("org_{}", "1".repeat(29))).is_err());
        assert!(validate_id("acme").is_err());
        assert!(validate_id("").is_err());
    }

    #[test]
    fn validates_display_names() {
        assert!(validate_display_name("Acme").is_ok());
        assert!(validate_display_name(&"a".repeat(MAX_DISPLAY_NAME)).is_ok());
        assert!(validate_display_name(&"a".repeat(MAX_DISPLAY_NAME + 1)).is_err());
        assert!(validate_display_name("   ").is_err());
        assert!(validate_display_name("").is_err());
    }

    #[test]
    fn json_has_the_documented_fields() {
        let mut store = Organizations::default();
        let org = store
            .create("Megasoft".into(), Some("ms".into()), BTreeMap::new())
            .unwrap();
        let json = org.to_json();
        let id = json["id"].as_str().unwrap();
        assert!(id.starts_with("org_") && id.len() <= 32);
        assert_eq!(json["display_name"], "Megasoft");
        assert_eq!(json["external_id"], "ms");
        assert_eq!(json["region_code"], "US");
        assert_eq!(json["metadata"], json!({}));
        assert_eq!(
            json["settings"]["features"],
            json!([{"name":"sso","enabled":false},{"name":"dir_sync","enabled":false}])
        );
        assert!(json["create_time"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn external_ids_are_unique() {
        let mut store = Organizations::default();
        store
            .create("A".into(), Some("x".into()), BTreeMap::new())
            .unwrap();
        assert_eq!(
            store
                .create("B".into(), Some("x".into()), BTreeMap::new())
                .err(),
            Some(Conflict::ExternalId("x".into()))
        );
        store.create("C".into(), None, BTreeMap::new()).unwrap();
        store.create("D".into(), None, BTreeMap::new()).unwrap();
        assert_eq!(store.filtered(None).count(), 3);
        assert_eq!(store.filtered(Some("x")).count(), 1);
    }
}
