//! A local server that behaves like Scalekit: the OAuth client-credentials
//! token endpoint, the organization REST API and status reads (connections,
//! directories, domains), and admin-portal pages (SSO, directory sync,
//! domain verification) that post the portal's events to the embedding
//! page. Demos and tests run offline against it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use scalekit_emulator::{Emulator, demo};
//!
//! let emu = Emulator::builder()
//!     .allowed_parent_origin("http://127.0.0.1:4000")
//!     .start()
//!     .await?;
//! let http = reqwest::Client::new();
//!
//! // 1. Access token (client credentials).
//! let token: serde_json::Value = http
//!     .post(emu.url("/oauth/token"))
//!     .form(&[
//!         ("grant_type", "client_credentials"),
//!         ("client_id", emu.client_id()),
//!         ("client_secret", emu.client_secret()),
//!     ])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! let access_token = token["access_token"].as_str().unwrap();
//!
//! // 2. A single-use admin-portal link for a seeded organization.
//! let link: serde_json::Value = http
//!     .put(emu.url(&format!(
//!         "/api/v1/organizations/{}/portal_links?features=sso&features=dir_sync",
//!         demo::ACME_ID
//!     )))
//!     .bearer_auth(access_token)
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! let location = link["link"]["location"].as_str().unwrap();
//! assert!(location.starts_with(&format!("{}/magicLink/", emu.base_url())));
//!
//! // 3. Loading it opens a portal session; the page posts PORTAL_LOAD_SUCCESS.
//! let page = http.get(location).send().await?.text().await?;
//! assert!(page.contains("PORTAL_LOAD_SUCCESS"));
//! assert_eq!(emu.stats().links_minted_for(demo::ACME_ID), 1);
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! | call | answer |
//! |---|---|
//! | `POST /oauth/token` (form: `grant_type=client_credentials`, `client_id`, `client_secret`) | `{"access_token","token_type":"Bearer","expires_in","scope":"openid"}`; bad credentials 401 `{"error":"invalid_client",...}`; other grant types 400 |
//! | `PUT /api/v1/organizations/{id}/portal_links?features=...` | `{"link":{"id":"lnk_...","location":"{base}/magicLink/<uuid>","expire_time"}}` |
//! | `GET /api/v1/organizations/{id}` | `{"organization":{...}}` |
//! | `GET /api/v1/organizations:external/{external_id}` | `{"organization":{...}}` |
//! | `GET /api/v1/organizations?page_size=&page_token=&external_id=` | `{"organizations":[...],"next_page_token","prev_page_token","total_size"}`; any page size (0: 10, over 100: 100) |
//! | `GET /api/v1/organizations:search?query=&page_size=1..30&page_token=` | the same shape: organizations whose name, id, external id or slug contain `query` (ignoring case) |
//! | `POST /api/v1/organizations` (JSON `display_name`, `external_id`, `metadata`, `slug`, `logo_url`) | 201 `{"organization":{...}}`; a duplicate `external_id` is 409, code 6 |
//! | `PATCH /api/v1/organizations/{id}` (the fields to change, same names) | `{"organization":{...}}`; `organization.updated` |
//! | `DELETE /api/v1/organizations/{id}` | `{}`; its connection, directory, domains, links and sessions go with it; `organization.deleted` |
//! | `GET`, `PATCH /api/v1/organizations/{id}/session-policy` (JSON `policy_source` `APPLICATION`/`CUSTOM`, `absolute_session_timeout` + `_unit`, `idle_session_timeout_enabled`, `idle_session_timeout` + `_unit`; units `MINUTES`, `HOURS`, `DAYS`) | `{"policy":{...}}` |
//! | `GET`, `PATCH /api/v1/organizations/{id}/settings/usermanagement` (JSON `settings.max_allowed_users`) | `{"settings":{...}}` |
//! | `POST /api/v1/organizations/{id}/domains` (JSON `domain`, `domain_type`) | 201 `{"domain":{...}}`, pending; a name without a dot is 400; `organization.domain_created` |
//! | `GET`, `DELETE /api/v1/organizations/{id}/domains/{domain_id}` | `{"domain":{...}}`, `{}`; `organization.domain_deleted` |
//! | `POST /api/v1/organizations/{id}/connections` (JSON `type` `OIDC`/`SAML`, `provider`) | 201 `{"connection":{...}}`, disabled and `IN_PROGRESS`; one per organization (a second is 409); `organization.sso_created` |
//! | `DELETE /api/v1/organizations/{id}/connections/{connection_id}` | `{}`; `organization.sso_deleted` |
//! | `GET /api/v1/connections/app` | `{"connections":[],...}`: the emulator has no app connections |
//! | `PATCH /api/v1/organizations/{id}/settings` (JSON `features:[{name,enabled}]`, names `sso`, `dir_sync`, `domain_verification`, `session_policy`) | `{"organization":{...}}` |
//! | `GET /api/v1/connections?organization_id=&domain=&include=all` | `{"connections":[{id,key_id,organization_id,organization_name,type,provider,provider_key,status,enabled,domains}]}`; without `include=all` only `COMPLETED` and enabled ones |
//! | `GET /api/v1/organizations/{id}/directories` | `{"directories":[{id,organization_id,name,directory_type,directory_provider,enabled,status,groups_tracked,total_users,total_groups}]}` |
//! | `GET /api/v1/organizations/{id}/domains?page_size=1..100&page_number=&domain_type=` | `{"domains":[{id,domain,domain_type,organization_id,environment_id,verification_status,verification_method,create_time,update_time}],"page_number","page_size"}` |
//! | `GET /magicLink/{id}` | the admin-portal page (see below) |
//! | `POST /magicLink/{id}/features` | what the page's SSO and directory buttons call (see below) |
//! | `POST /magicLink/{id}/domains`, `POST .../domains/{domain_id}/verify`, `DELETE .../domains/{domain_id}` | what the page's domain section calls (see below) |
//!
//! The status reads answer with the field names of the reference OpenAPI
//! description (snake_case). An organization's SSO connection
//! (`conn_...`, OIDC or SAML, provider `OKTA`) exists once its admin used
//! the portal's SSO section (seeded organizations with SSO on have one);
//! the first Enable makes it `COMPLETED`. Its directory (`dir_...`, SCIM,
//! provider `MICROSOFT_AD`) likewise.
//!
//! # gRPC
//!
//! The same port also speaks gRPC (HTTP/2 cleartext with prior knowledge;
//! any request whose `content-type` starts with `application/grpc`), as
//! Scalekit's official SDKs call it after fetching a token from
//! `/oauth/token`: `scalekit.v1.organizations.OrganizationService`
//! (`GeneratePortalLink`, `GetOrganization`, `GetOrganizationByExternalId`,
//! `ListOrganization`, `CreateOrganization`, `UpdateOrganizationSettings`),
//! `scalekit.v1.connections.ConnectionService/ListConnections`,
//! `scalekit.v1.directories.DirectoryService/ListDirectories` and
//! `scalekit.v1.domains.DomainService/ListDomains`; the messages are in the
//! crate's `proto/` directory. Each call shares its REST twin's store,
//! counters ([`Endpoint`]), faults and webhooks: a link minted over gRPC
//! opens the same portal page. A missing or invalid bearer token is status
//! 16 (UNAUTHENTICATED); other errors carry the REST error's code (3, 5, 8,
//! 14, ...) and message, with a `google.rpc.Status` holding Scalekit's
//! `ErrorInfo` in `grpc-status-details-bin`. Other calls answer 12
//! (UNIMPLEMENTED) naming the method, e.g.
//! `/scalekit.v1.organizations.OrganizationService/GetPortalLinks is not
//! served by the emulator`. Error messages are cut to 300 characters.
//!
//! Every `/api/v1` call needs `Authorization: Bearer <token>`; errors are
//! `{"code","message","details":[{"@type":"type.googleapis.com/scalekit.v1.errdetails.ErrorInfo","error_code"}]}`
//! with HTTP 400/3, 401/16, 403/7, 404/5, 409/6, 429/8, 500/13, 503/14,
//! 504/4.
//!
//! # Portal page
//!
//! The first load of an unused link whose lifetime has not passed opens a
//! portal session and posts `PORTAL_LOAD_SUCCESS`; a used, expired or unknown
//! link renders a page that posts `PORTAL_LOAD_FAILURE` with
//! `data.error_code = "SESSION_EXPIRED"` and no `organization_id`. Sessions
//! post `PORTAL_SESSION_WARNING` before they end and
//! `PORTAL_SESSION_EXPIRY` when they end. Messages go to
//! `window.parent.postMessage(payload, origin)` for each registered parent
//! origin, and every portal response carries
//! `Content-Security-Policy: ... frame-ancestors <origins>` (or `'none'`).
//! With [`EmulatorBuilder::legacy_events`] the page speaks the older `type`
//! vocabulary instead (`SSO_CONFIGURED`, `SCIM_CONFIGURED`,
//! `SESSION_EXPIRED`, no load-success message).
//!
//! Element ids for browser tests:
//!
//! | id | what |
//! |---|---|
//! | `portal-status` | status text (session, saving, saved, expired, link failure) |
//! | `org-name` | organization display name (`Link expired` on the failure page) |
//! | `sso-enable`, `sso-disable` | SSO buttons (posts `ORGANIZATION_SSO_ENABLED` / `_DISABLED`) |
//! | `scim-enable`, `scim-disable` | directory-sync buttons (`ORGANIZATION_DIRECTORY_ENABLED` / `_DISABLED`) |
//! | `sso-state`, `scim-state` | `Enabled` / `Disabled`, also as `data-enabled="true"` / `"false"` |
//! | `sso-section`, `scim-section` | the two sections (only those the link's `features` ask for; all modules when it asks for none of `sso`, `dir_sync`, `domain_verification`) |
//! | `domain-section` | the domain-verification module: shown when the link asks for `domain_verification` (or for no module) and the organization's `domain_verification` setting is on |
//! | `domain-form`, `domain-input`, `domain-add` | the form that adds a domain |
//! | `domain-list` | the list of domains; `domain-empty` when there is none |
//! | `domain-{domain_id}` | one domain: `data-domain`, `data-domain-id`, `data-verification-status` (`PENDING`, `VERIFIED`, `FAILED`) |
//! | `domain-status-{domain_id}` | its status text |
//! | `domain-txt-name-{domain_id}`, `domain-txt-value-{domain_id}` | the TXT record to publish (until verified) |
//! | `domain-verify-{domain_id}`, `domain-delete-{domain_id}` | its buttons (`data-domain-action="verify"` / `"delete"`; no verify button once verified) |
//! | `other-features` | requested features that have no section on the page |
//!
//! `<body data-portal-state>` is `active`, `expired` or `failed`. The buttons
//! call `POST /magicLink/{id}/features` with header `X-Portal-Session`
//! (a per-session secret in the page) and body
//! `{"feature":"sso"|"dir_sync","enabled":bool}`; the change is visible
//! through `GET /api/v1/organizations/{id}` and the status reads. The domain
//! section calls `POST /magicLink/{id}/domains` (`{"domain":"example.com"}`),
//! `POST /magicLink/{id}/domains/{domain_id}/verify` and
//! `DELETE /magicLink/{id}/domains/{domain_id}` with the same header; each
//! answers `{"domain","html","status_text"}` and the page replaces
//! `#domain-list` with `html`. What a verification finds is up to the test:
//! [`Faults::next_domain_verifications`] or
//! [`EmulatorBuilder::domain_verification_outcome`] (default: verified).
//! After the session ends the server refuses these calls with 401 and the
//! page disables its buttons.
//!
//! # Tests
//!
//! Every emulator has its own state, port and counters ([`Emulator::stats`])
//! and its own fault controls ([`Emulator::faults`], see [`Faults`]).
//!
//! # Webhooks
//!
//! With [`EmulatorBuilder::webhook_endpoint`], every state change (an
//! organization created or updated through the REST calls, the portal's
//! SSO, directory and domain actions) is POSTed to the app as the event
//! Scalekit sends, signed with [`Emulator::webhook_secret`] in the Standard
//! Webhooks scheme, and retried on Scalekit's schedule (scaled by
//! [`EmulatorBuilder::webhook_retry_scale`]). [`Emulator::deliveries`],
//! [`Stats::webhooks`] and the webhook controls of [`Faults`] observe and
//! disturb them.
//!
//! # Layout
//!
//! Modules form layers; each uses only the ones below it:
//!
//! - top: `builder`, `emulator`, `faults` (the public handles), `router`
//!   (the whole application), `serve` and `deadlines` (the accept loop, the
//!   TLS handshake and request-body deadlines);
//! - `grpc` (the gRPC services, their middleware and status details; each
//!   call goes through the same functions of `api` as its REST twin);
//! - `api` (token, REST calls, errors, request reading, fault injection) and
//!   `portal` (pages from minijinja templates, toggles, domains, events; it
//!   uses the API's error shape and request reading);
//! - `state`: what the handlers share (settings, the store, shutdown);
//! - `store`: records and collections, counters, the fault queue and the
//!   change feed, with no HTTP types. Every state change is queued while the
//!   store's lock is held and handed to the observers registered on the
//!   builder after it is released, in order; whatever reacts to changes
//!   (webhook deliveries) depends on the store, never the reverse.
//! - `webhook_feed` (top): turns each store change into its webhook event
//!   and queues it for delivery;
//! - `webhooks`: signing, envelopes, the retry schedule and the delivery
//!   workers; it imports only `format`. `stats` (top) puts the store's and
//!   the webhook log's counters together into [`Stats`].
//! - `format` (bottom): ids, secrets and RFC 3339 times, for the store and
//!   the webhooks alike; it imports nothing from the crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

mod api;
mod builder;
mod deadlines;
pub mod demo;
mod emulator;
mod faults;
mod format;
mod grpc;
mod portal;
mod router;
mod serve;
mod start_error;
mod state;
mod stats;
mod store;
#[cfg(test)]
mod tests;
mod tls;
mod webhook_feed;
mod webhooks;

pub use builder::{
    DEFAULT_LINK_LIFETIME, DEFAULT_SESSION_LIFETIME, DEFAULT_SESSION_WARNING_BEFORE,
    DEFAULT_TOKEN_LIFETIME, EmulatorBuilder,
};
pub use emulator::Emulator;
pub use faults::Faults;
pub use start_error::StartError;
pub use stats::Stats;
pub use store::counters::Endpoint;
pub use store::domains::VerificationOutcome;
pub use store::fault_queue::FaultScope;
pub use store::organizations::OrganizationInfo;
pub use store::parent_origins::InvalidOrigin;
pub use webhooks::{
    DeliveryOutcome, InvalidRetryScale, InvalidWebhookUrl, WebhookCounts, WebhookDelivery,
    WebhookSecretError,
};
