//! The organization calls: how an app maps its own tenants to Scalekit
//! organizations.
//!
//! ```
//! use scalekit_tower::{Client, Config, NewOrganization};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = scalekit_emulator::Emulator::builder().start().await?;
//! # let config = Config::builder().environment_url(emulator.base_url())
//! #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build()?;
//! let client = Client::new(config)?;
//! let created = client
//!     .create_organization(&NewOrganization::new("Hooli").with_external_id("tenant-7"))
//!     .await?;
//! let found = client.get_organization_by_external_id("tenant-7").await?;
//! assert_eq!(found.id, created.id);
//! # Ok(()) }
//! ```

use futures_core::Stream;
use serde::Deserialize;

use super::transport::Replay;
use crate::client::{Client, parse_json};
use crate::error::Error;
use crate::organization::{FeatureToggle, NewOrganization, Organization, OrganizationPage};
use crate::organization_id::OrganizationId;

impl Client {
    /// Reads one organization.
    pub async fn get_organization(&self, id: &OrganizationId) -> Result<Organization, Error> {
        let url = self.api_url(&["organizations", id.as_str()]);
        self.organization_call(Replay::Always, |http| http.get(url.clone()))
            .await
    }

    /// Reads the organization the app linked to its own tenant id `external_id`.
    pub async fn get_organization_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Organization, Error> {
        if external_id.is_empty() {
            return Err(Error::InvalidArgument {
                message: "external id is empty: pass the app's own tenant id".into(),
                api: None,
            });
        }
        // It goes into the URL path as one segment. URL parsing would drop a
        // `.` or `..` segment (sending the call to another path) and strip
        // tabs and newlines (looking up another tenant: `ta\tb` would find
        // `tab`), so those cannot be sent faithfully; no control character is
        // a sensible tenant id.
        if matches!(external_id, "." | "..") || external_id.chars().any(char::is_control) {
            return Err(Error::InvalidArgument {
                message: format!(
                    "external id {:?} cannot be sent in a URL path: it is a dot segment or \
                     contains a control character",
                    external_id.chars().take(40).collect::<String>()
                ),
                api: None,
            });
        }
        let url = self.api_url(&["organizations:external", external_id]);
        self.organization_call(Replay::Always, |http| http.get(url.clone()))
            .await
    }

    /// Reads one page of organizations. `page_size` must be 10 to 100;
    /// `page_token` is `None` for the first page.
    pub async fn list_organizations_page(
        &self,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<OrganizationPage, Error> {
        if !(10..=100).contains(&page_size) {
            return Err(Error::InvalidArgument {
                message: format!("page size {page_size} is outside 10..=100"),
                api: None,
            });
        }
        let mut url = self.api_url(&["organizations"]);
        url.query_pairs_mut()
            .append_pair("page_size", &page_size.to_string());
        if let Some(token) = page_token.filter(|t| !t.is_empty()) {
            url.query_pairs_mut().append_pair("page_token", token);
        }
        let answer = self
            .send_authorized(Replay::Always, |http| http.get(url.clone()))
            .await?;
        parse_json(&answer)
    }

    /// Every page of organizations, in order, as a stream; it ends after the
    /// last page or the first error.
    pub fn list_organizations(
        &self,
        page_size: u32,
    ) -> impl Stream<Item = Result<OrganizationPage, Error>> + Send + 'static {
        let client = self.clone();
        futures_util::stream::try_unfold(Some(None::<String>), move |next| {
            let client = client.clone();
            async move {
                let Some(token) = next else {
                    return Ok(None);
                };
                let page = client
                    .list_organizations_page(page_size, token.as_deref())
                    .await?;
                let following = page.next_page_token.clone().map(Some);
                Ok(Some((page, following)))
            }
        })
    }

    /// Creates an organization.
    pub async fn create_organization(&self, new: &NewOrganization) -> Result<Organization, Error> {
        let chars = new.display_name().chars().count();
        if !(1..=200).contains(&chars) {
            return Err(Error::InvalidArgument {
                message: format!("display name must be 1 to 200 characters, it has {chars}"),
                api: None,
            });
        }
        let url = self.api_url(&["organizations"]);
        // Creating is not idempotent: resend only if nothing reached Scalekit.
        self.organization_call(Replay::ConnectFailuresOnly, |http| {
            http.post(url.clone()).json(new)
        })
        .await
    }

    /// Switches features (`sso`, `dir_sync`, ...) on or off for an organization.
    pub async fn update_organization_settings(
        &self,
        id: &OrganizationId,
        features: &[FeatureToggle],
    ) -> Result<Organization, Error> {
        let url = self.api_url(&["organizations", id.as_str(), "settings"]);
        let body = serde_json::json!({ "features": features });
        self.organization_call(Replay::Always, |http| http.patch(url.clone()).json(&body))
            .await
    }

    async fn organization_call(
        &self,
        replay: Replay,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Organization, Error> {
        #[derive(Deserialize)]
        struct Envelope {
            organization: Organization,
        }
        let answer = self.send_authorized(replay, build).await?;
        parse_json::<Envelope>(&answer).map(|e| e.organization)
    }
}
