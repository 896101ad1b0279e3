//! The directory reads: a directory's users and groups as streams that
//! fetch one page at a time, each page one call with the client's deadline,
//! retries and body cap.
//!
//! ```
//! use futures_util::TryStreamExt;
//! use scalekit_tower::{Client, Config, DirectoryListOptions, OrganizationId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = scalekit_emulator::Emulator::builder().start().await?;
//! # let config = Config::builder().environment_url(emulator.base_url())
//! #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build()?;
//! let client = Client::new(config)?;
//! let acme = OrganizationId::new(scalekit_emulator::demo::ACME_ID)?;
//! let directory = emulator.organization(acme.as_str()).unwrap().directory_id;
//! let users: Vec<_> = client
//!     .directory_users(&acme, &directory, DirectoryListOptions::new())
//!     .try_collect()
//!     .await?;
//! assert!(users.is_empty()); // nothing pushed over SCIM yet
//! # Ok(()) }
//! ```

use futures_core::Stream;
use futures_util::{TryStreamExt, stream};

use super::transport::Replay;
use crate::client::{Client, parse_json};
use crate::directory_listing::{
    DirectoryGroup, DirectoryGroupPage, DirectoryListOptions, DirectoryUser, DirectoryUserPage,
    MAX_DIRECTORY_PAGE_SIZE,
};
use crate::error::Error;
use crate::organization_id::OrganizationId;

/// Checks what goes into the URL: a directory id that is one path segment,
/// and a page size the API takes.
fn check(directory_id: &str, options: &DirectoryListOptions) -> Result<(), Error> {
    if directory_id.is_empty()
        || matches!(directory_id, "." | "..")
        || directory_id.chars().any(|c| c.is_control() || c == '/')
    {
        return Err(Error::InvalidArgument {
            message: format!(
                "directory id {:?} is not one: pass the dir_... id of the organization's directory",
                directory_id.chars().take(40).collect::<String>()
            ),
            api: None,
        });
    }
    let size = options.page_size_value();
    if !(1..=MAX_DIRECTORY_PAGE_SIZE).contains(&size) {
        return Err(Error::InvalidArgument {
            message: format!("page size {size} is outside 1..={MAX_DIRECTORY_PAGE_SIZE}"),
            api: None,
        });
    }
    Ok(())
}

/// A page of a directory's users or groups: where it is read, and its
/// items with the next page's token.
trait MemberPage: serde::de::DeserializeOwned + Send + 'static {
    /// What the page lists.
    type Item: Send + 'static;
    /// The path segment after the directory id.
    const KIND: &'static str;
    /// Whether the users-only filters (the group) go into the query.
    const USERS: bool;
    /// The items and the next page's token.
    fn split(self) -> (Vec<Self::Item>, Option<String>);
}

impl MemberPage for DirectoryUserPage {
    type Item = DirectoryUser;
    const KIND: &'static str = "users";
    const USERS: bool = true;
    fn split(self) -> (Vec<DirectoryUser>, Option<String>) {
        (self.users, self.next_page_token)
    }
}

impl MemberPage for DirectoryGroupPage {
    type Item = DirectoryGroup;
    const KIND: &'static str = "groups";
    const USERS: bool = false;
    fn split(self) -> (Vec<DirectoryGroup>, Option<String>) {
        (self.groups, self.next_page_token)
    }
}

impl Client {
    /// One page of a directory's users
    /// (`GET /api/v1/organizations/{org}/directories/{dir}/users`);
    /// `page_token` is `None` for the first page.
    pub async fn directory_users_page(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: &DirectoryListOptions,
        page_token: Option<&str>,
    ) -> Result<DirectoryUserPage, Error> {
        self.member_page(organization, directory_id, options, page_token)
            .await
    }

    /// One page of a directory's groups
    /// (`GET /api/v1/organizations/{org}/directories/{dir}/groups`).
    pub async fn directory_groups_page(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: &DirectoryListOptions,
        page_token: Option<&str>,
    ) -> Result<DirectoryGroupPage, Error> {
        self.member_page(organization, directory_id, options, page_token)
            .await
    }

    /// Every user of a directory, in the API's order, fetched a page at a
    /// time as the stream is read; it ends after the last page or the first
    /// error.
    pub fn directory_users(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: DirectoryListOptions,
    ) -> impl Stream<Item = Result<DirectoryUser, Error>> + Send + 'static {
        self.members::<DirectoryUserPage>(organization, directory_id, options)
    }

    /// Every group of a directory, fetched a page at a time (see
    /// [`directory_users`](Self::directory_users)).
    pub fn directory_groups(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: DirectoryListOptions,
    ) -> impl Stream<Item = Result<DirectoryGroup, Error>> + Send + 'static {
        self.members::<DirectoryGroupPage>(organization, directory_id, options)
    }

    /// Every item of the pages of kind `P`.
    fn members<P: MemberPage>(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: DirectoryListOptions,
    ) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'static {
        let (client, organization, directory) =
            (self.clone(), organization.clone(), directory_id.to_owned());
        paged(move |token| {
            let (client, organization, directory, options) = (
                client.clone(),
                organization.clone(),
                directory.clone(),
                options.clone(),
            );
            async move {
                let page: P = client
                    .member_page(&organization, &directory, &options, token.as_deref())
                    .await?;
                Ok(page.split())
            }
        })
    }

    /// One page of kind `P`.
    async fn member_page<P: MemberPage>(
        &self,
        organization: &OrganizationId,
        directory_id: &str,
        options: &DirectoryListOptions,
        page_token: Option<&str>,
    ) -> Result<P, Error> {
        check(directory_id, options)?;
        let mut url = self.api_url(&[
            "organizations",
            organization.as_str(),
            "directories",
            directory_id,
            P::KIND,
        ]);
        url.query_pairs_mut()
            .extend_pairs(options.query(page_token, P::USERS));
        let answer = self
            .send_authorized(Replay::Always, |http| http.get(url.clone()))
            .await?;
        parse_json(&answer)
    }
}

/// The items of every page `fetch` answers, starting from no token and
/// following each page's next token until there is none.
fn paged<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>> + Send + 'static
where
    T: Send + 'static,
    F: Fn(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>> + Send + 'static,
{
    stream::try_unfold(Some(None::<String>), move |next| {
        let page = next.map(&fetch);
        async move {
            let Some(page) = page else {
                return Ok::<_, Error>(None);
            };
            let (items, token) = page.await?;
            Ok(Some((
                stream::iter(items.into_iter().map(Ok::<T, Error>)),
                token.map(Some),
            )))
        }
    })
    .try_flatten()
}
