//! An organization's SSO connections, as `GET /api/v1/connections` lists them.
//!
//! ```
//! use scalekit_tower::{ConnectionProvider, ConnectionType, SsoConnection};
//!
//! // Field names in snake_case (the API description) or lowerCamelCase (proto
//! // JSON); enum values by name or number; unknown ones kept.
//! let connection: SsoConnection = serde_json::from_str(
//!     r#"{"id":"conn_1","organizationId":"org_1","type":"SAML","provider":"NEW_IDP","enabled":true}"#,
//! )?;
//! assert_eq!(connection.connection_type, Some(ConnectionType::Saml));
//! assert_eq!(connection.provider, Some(ConnectionProvider::Other("NEW_IDP".into())));
//! assert!(connection.enabled);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::wire_enum::{unspecified_as_none, wire_enum};

wire_enum! {
    /// The authentication protocol of a connection (`type`).
    ConnectionType {
        /// OpenID Connect.
        Oidc = ("OIDC", 1),
        /// SAML 2.0.
        Saml = ("SAML", 2),
        /// Password.
        Password = ("PASSWORD", 3),
        /// OAuth.
        Oauth = ("OAUTH", 4),
        /// Passwordless.
        Passwordless = ("PASSWORDLESS", 5),
        /// HTTP basic authentication.
        Basic = ("BASIC", 6),
        /// Bearer token.
        Bearer = ("BEARER", 7),
        /// API key.
        ApiKey = ("API_KEY", 8),
        /// WebAuthn.
        Webauthn = ("WEBAUTHN", 9),
        /// OAuth machine-to-machine.
        OauthM2m = ("OAUTH_M2M", 10),
        /// Trello's OAuth 1.
        TrelloOauth1 = ("TRELLO_OAUTH1", 11),
        /// Google domain-wide delegation.
        GoogleDwd = ("GOOGLE_DWD", 12),
        /// A trusted identity provider.
        TrustedIdp = ("TRUSTED_IDP", 13),
        /// SMART on FHIR.
        SmartFhir = ("SMART_FHIR", 14),
        /// No authentication.
        NoAuth = ("NO_AUTH", 15),
    }
}

wire_enum! {
    /// The identity provider of a connection (`provider`).
    ConnectionProvider {
        /// Okta.
        Okta = ("OKTA", 1),
        /// Google.
        Google = ("GOOGLE", 2),
        /// Microsoft Active Directory / Entra ID.
        MicrosoftAd = ("MICROSOFT_AD", 3),
        /// Auth0.
        Auth0 = ("AUTH0", 4),
        /// OneLogin.
        Onelogin = ("ONELOGIN", 5),
        /// Ping Identity.
        PingIdentity = ("PING_IDENTITY", 6),
        /// JumpCloud.
        Jumpcloud = ("JUMPCLOUD", 7),
        /// A custom provider.
        Custom = ("CUSTOM", 8),
        /// GitHub.
        Github = ("GITHUB", 9),
        /// GitLab.
        Gitlab = ("GITLAB", 10),
        /// LinkedIn.
        Linkedin = ("LINKEDIN", 11),
        /// Salesforce.
        Salesforce = ("SALESFORCE", 12),
        /// Microsoft.
        Microsoft = ("MICROSOFT", 13),
        /// Scalekit's IdP simulator.
        IdpSimulator = ("IDP_SIMULATOR", 14),
        /// Scalekit.
        Scalekit = ("SCALEKIT", 15),
        /// AD FS.
        Adfs = ("ADFS", 16),
    }
}

wire_enum! {
    /// How far the admin got in configuring a connection (`status`).
    ConnectionStatus {
        /// Created, not configured.
        Draft = ("DRAFT", 1),
        /// Being configured.
        InProgress = ("IN_PROGRESS", 2),
        /// Configured.
        Completed = ("COMPLETED", 3),
    }
}

/// One SSO connection of an organization.
///
/// Every field but `id` may be absent from an answer; unknown fields are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SsoConnection {
    /// The connection id (`conn_...`).
    pub id: String,
    /// The organization it belongs to (`org_...`).
    #[serde(default, alias = "organizationId")]
    pub organization_id: Option<String>,
    /// The protocol (`OIDC`, `SAML`, ...).
    #[serde(
        default,
        rename = "type",
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub connection_type: Option<ConnectionType>,
    /// The identity provider.
    #[serde(
        default,
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub provider: Option<ConnectionProvider>,
    /// How far its configuration got.
    #[serde(
        default,
        deserialize_with = "unspecified_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<ConnectionStatus>,
    /// Whether it is switched on for the organization's users.
    #[serde(default)]
    pub enabled: bool,
    /// The email domains routed to it.
    #[serde(default)]
    pub domains: Vec<String>,
}

impl SsoConnection {
    /// Switched on and completely configured: the organization's users sign
    /// in through it. (Scalekit lists only these without `include=all`.)
    pub fn is_active(&self) -> bool {
        self.enabled
            && !matches!(
                self.status,
                Some(ConnectionStatus::Draft | ConnectionStatus::InProgress)
            )
    }
}
