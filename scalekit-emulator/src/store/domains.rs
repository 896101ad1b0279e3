//! Organization domains and their DNS verification.
//!
//! An admin adds a domain in the portal's domain section, publishes the TXT
//! record it shows, and presses "verify". The emulator does not look at DNS:
//! the outcome of each verification comes from the fault controls
//! ([`Faults::next_domain_verifications`](crate::Faults::next_domain_verifications))
//! or the builder's default
//! ([`EmulatorBuilder::domain_verification_outcome`](crate::EmulatorBuilder::domain_verification_outcome)).

use std::fmt;

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::format::ids;
use crate::format::timefmt::rfc3339;

/// The DNS TXT record host Scalekit asks admins to publish.
pub(crate) const TXT_RECORD_KEY: &str = "scalekit-domain-verification";
/// The domain type the portal creates (SSO discovery domains).
pub(crate) const ORGANIZATION_DOMAIN: &str = "ORGANIZATION_DOMAIN";
/// The domain type of email domains allowed to join the organization.
pub(crate) const ALLOWED_EMAIL_DOMAIN: &str = "ALLOWED_EMAIL_DOMAIN";

/// The domain type a name names, as a constant.
pub(crate) fn domain_type(name: &str) -> Option<&'static str> {
    [ORGANIZATION_DOMAIN, ALLOWED_EMAIL_DOMAIN]
        .into_iter()
        .find(|known| *known == name)
}
/// How portal-added domains are verified.
pub(crate) const VERIFICATION_METHOD_DNS: &str = "DNS";
/// The most domains one organization can hold.
pub(crate) const MAX_DOMAINS_PER_ORGANIZATION: usize = 50;

/// What the next DNS verification of a domain finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum VerificationOutcome {
    /// The TXT record is found: the domain becomes `VERIFIED`.
    #[default]
    Verified,
    /// The TXT record is not found: the domain becomes `FAILED`.
    Failed,
}

/// A domain's `verification_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerificationStatus {
    Pending,
    Verified,
    Failed,
}

impl VerificationStatus {
    /// The value in JSON (`PENDING`, `VERIFIED`, `FAILED`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Verified => "VERIFIED",
            Self::Failed => "FAILED",
        }
    }
}

/// One domain of an organization.
#[derive(Clone)]
pub(crate) struct Domain {
    /// `dom_<digits>`.
    pub(crate) id: String,
    pub(crate) organization_id: String,
    pub(crate) environment_id: String,
    /// The domain name, lowercase, e.g. `acme.example`.
    pub(crate) name: String,
    /// [`ORGANIZATION_DOMAIN`] or [`ALLOWED_EMAIL_DOMAIN`].
    pub(crate) domain_type: &'static str,
    /// Always [`TXT_RECORD_KEY`].
    pub(crate) txt_record_key: &'static str,
    /// The TXT record value to publish; sensitive, kept out of `Debug` and
    /// of the REST answers (webhook payloads carry it, as Scalekit's do).
    pub(crate) txt_record_secret: String,
    pub(crate) verification_status: VerificationStatus,
    /// Always [`VERIFICATION_METHOD_DNS`].
    pub(crate) verification_method: &'static str,
    pub(crate) create_time: OffsetDateTime,
    pub(crate) update_time: OffsetDateTime,
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Domain")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("name", &self.name)
            .field("verification_status", &self.verification_status)
            .field("txt_record_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl Domain {
    /// A new, pending domain with a fresh id and TXT secret.
    pub(crate) fn new(organization_id: &str, environment_id: &str, name: String) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id: ids::prefixed_digits("dom_", 17),
            organization_id: organization_id.to_owned(),
            environment_id: environment_id.to_owned(),
            name,
            domain_type: ORGANIZATION_DOMAIN,
            txt_record_key: TXT_RECORD_KEY,
            txt_record_secret: format!("scalekit-verification={}", ids::random_secret()),
            verification_status: VerificationStatus::Pending,
            verification_method: VERIFICATION_METHOD_DNS,
            create_time: now,
            update_time: now,
        }
    }

    /// Records the result of a verification.
    pub(crate) fn record_verification(&mut self, outcome: VerificationOutcome) {
        self.verification_status = match outcome {
            VerificationOutcome::Verified => VerificationStatus::Verified,
            VerificationOutcome::Failed => VerificationStatus::Failed,
        };
        self.update_time = OffsetDateTime::now_utc();
    }

    /// The full name of the TXT record to publish.
    pub(crate) fn txt_record_name(&self) -> String {
        format!("{}.{}", self.txt_record_key, self.name)
    }

    /// The REST representation (`domainsDomain`): no TXT secret.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "domain": self.name,
            "domain_type": self.domain_type,
            "organization_id": self.organization_id,
            "environment_id": self.environment_id,
            "verification_status": self.verification_status.as_str(),
            "verification_method": self.verification_method,
            "create_time": rfc3339(self.create_time),
            "update_time": rfc3339(self.update_time),
        })
    }
}

/// Checks and normalizes a domain name an admin typed: lowercase, no
/// trailing dot, at least two labels of letters, digits and inner hyphens,
/// at most 253 characters. The error says what is wrong.
pub(crate) fn normalize_domain_name(input: &str) -> Result<String, String> {
    let name = input.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Err("enter a domain name, e.g. example.com".to_owned());
    }
    if name.len() > 253 {
        return Err("a domain name has at most 253 characters".to_owned());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "{name:?} is not a domain name: it needs at least two labels, e.g. example.com"
        ));
    }
    for label in &labels {
        let valid = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(format!(
                "{name:?} is not a domain name: each label is 1 to 63 letters, digits or inner hyphens"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("{name:?} is an address, not a domain name"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_refuses_domain_names() {
        assert_eq!(
            normalize_domain_name(" Acme.Example. ").unwrap(),
            "acme.example"
        );
        assert_eq!(
            normalize_domain_name("a-b.c.example").unwrap(),
            "a-b.c.example"
        );
        for bad in [
            "",
            "localhost",
            "-a.example",
            "a-.example",
            "a..example",
            "a_b.example",
            "10.0.0.1",
            "<script>.example",
        ] {
            assert!(normalize_domain_name(bad).is_err(), "{bad}");
        }
        assert!(normalize_domain_name(&format!("{}.example", "a".repeat(64))).is_err());
    }

    #[test]
    fn json_omits_the_secret_and_debug_redacts_it() {
        let mut domain = Domain::new("org_1", "env_1", "acme.example".into());
        let json = domain.to_json();
        assert!(json["id"].as_str().unwrap().starts_with("dom_"));
        assert_eq!(json["verification_status"], "PENDING");
        assert!(!json.to_string().contains(&domain.txt_record_secret));
        assert!(!format!("{domain:?}").contains(&domain.txt_record_secret));
        domain.record_verification(VerificationOutcome::Failed);
        assert_eq!(domain.to_json()["verification_status"], "FAILED");
        assert_eq!(
            domain.txt_record_name(),
            "scalekit-domain-verification.acme.example"
        );
    }
}
