//! An organization's domains and their verification, as
//! `GET /api/v1/organizations/{id}/domains` lists them.
//!
//! ```
//! use scalekit_tower::{Domain, VerificationStatus};
//!
//! let domain: Domain = serde_json::from_str(
//!     r#"{"id":"dom_1","domain":"acme.com","verificationStatus":"AUTO_VERIFIED","domain_type":"ORGANIZATION_DOMAIN"}"#,
//! )?;
//! assert_eq!(domain.verification_status, Some(VerificationStatus::AutoVerified));
//! assert!(domain.is_verified());
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::wire_enum::{unspecified_as_none, wire_enum};

wire_enum! {
    /// What a domain is for (`domain_type`).
    DomainType {
        /// Suggests the organization at sign-in (any auth method).
        AllowedEmailDomain = ("ALLOWED_EMAIL_DOMAIN", 1),
        /// Routes its users to the organization's SSO and lets it be enforced.
        OrganizationDomain = ("ORGANIZATION_DOMAIN", 2),
    }
}

wire_enum! {
    /// Where a domain's ownership check stands (`verification_status`).
    VerificationStatus {
        /// The DNS TXT record has not been found yet.
        Pending = ("PENDING", 1),
        /// Ownership confirmed by DNS or by an admin.
        Verified = ("VERIFIED", 2),
        /// The TXT record was not found within the verification window.
        Failed = ("FAILED", 3),
        /// Verified without a DNS change.
        AutoVerified = ("AUTO_VERIFIED", 4),
    }
}

wire_enum! {
    /// How a domain's ownership is checked (`verification_method`).
    VerificationMethod {
        /// Marked verified by an admin.
        Admin = ("ADMIN", 1),
        /// A DNS TXT record.
        Dns = ("DNS", 2),
        /// Verification does not apply to this domain type.
        NotApplicable = ("NOT_APPLICABLE", 3),
    }
}

/// One domain of an organization.
///
/// Every field but `id` and `domain` may be absent from an answer; unknown
/// fields (the TXT record secret among them, when asked for) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Domain {
    /// The domain id (`dom_...`).
    pub id: String,
    /// The domain name, e.g. `acme.com`.
    pub domain: String,
    /// What the domain is for.
    #[serde(
        default,
        alias = "domainType",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub domain_type: Option<DomainType>,
    /// The organization it belongs to (`org_...`).
    #[serde(default, alias = "organizationId")]
    pub organization_id: Option<String>,
    /// Where its ownership check stands.
    #[serde(
        default,
        alias = "verificationStatus",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub verification_status: Option<VerificationStatus>,
    /// How its ownership is checked.
    #[serde(
        default,
        alias = "verificationMethod",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub verification_method: Option<VerificationMethod>,
}

impl Domain {
    /// Ownership is confirmed (`VERIFIED` or `AUTO_VERIFIED`).
    pub fn is_verified(&self) -> bool {
        matches!(
            self.verification_status,
            Some(VerificationStatus::Verified | VerificationStatus::AutoVerified)
        )
    }
}
