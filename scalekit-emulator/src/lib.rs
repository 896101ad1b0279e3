//! A local server that behaves like Scalekit: the OAuth client-credentials
//! token endpoint, the organization REST API, and admin-portal pages that
//! post the portal's events to the embedding page. Demos and tests run
//! offline against it.
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
//! | `GET /api/v1/organizations?page_size=10..100&page_token=&external_id=` | `{"organizations":[...],"next_page_token","prev_page_token","total_size"}` |
//! | `POST /api/v1/organizations` (JSON `display_name`, `external_id`, `metadata`) | 201 `{"organization":{...}}`; a duplicate `external_id` is 409, code 6 |
//! | `PATCH /api/v1/organizations/{id}/settings` (JSON `features:[{name,enabled}]`) | `{"organization":{...}}` |
//! | `GET /magicLink/{id}` | the admin-portal page (see below) |
//! | `POST /magicLink/{id}/features` | what the page's buttons call (see below) |
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
//! | `sso-section`, `scim-section` | the two sections (only those the link's `features` ask for; both when it asks for neither) |
//!
//! `<body data-portal-state>` is `active`, `expired` or `failed`. The buttons
//! call `POST /magicLink/{id}/features` with header `X-Portal-Session`
//! (a per-session secret in the page) and body
//! `{"feature":"sso"|"dir_sync","enabled":bool}`; the change is visible
//! through `GET /api/v1/organizations/{id}`. After the session ends the
//! server refuses toggles with 401 and the page disables its buttons.
//!
//! # Tests
//!
//! Every emulator has its own state, port and counters ([`Emulator::stats`])
//! and its own fault controls ([`Emulator::faults`], see [`Faults`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

// Layers, each using only the ones below it:
//   top:    builder, emulator, faults (public handles), router (the app),
//           webhook_feed (store changes -> webhook events)
//   http:   api (REST, token, errors, extraction, fault injection)
//           portal (pages, toggles, domains, events, templates; uses api's
//           error shape and extraction)
//   shared: state (config + store + shutdown, the axum state)
//   bottom: store (records, collections, counters, fault queue, change feed)
//   apart:  webhooks (signing, envelopes, delivery workers; no crate imports)
mod api;
mod builder;
pub mod demo;
mod emulator;
mod faults;
mod portal;
mod router;
mod state;
mod store;
mod webhook_feed;
mod webhooks;

pub use builder::{
    DEFAULT_LINK_LIFETIME, DEFAULT_SESSION_LIFETIME, DEFAULT_SESSION_WARNING_BEFORE,
    DEFAULT_TOKEN_LIFETIME, EmulatorBuilder, StartError,
};
pub use emulator::Emulator;
pub use faults::Faults;
pub use store::counters::{Endpoint, Stats};
pub use store::domains::VerificationOutcome;
pub use store::fault_queue::FaultScope;
pub use store::organizations::OrganizationInfo;
pub use store::parent_origins::InvalidOrigin;
pub use webhooks::{
    DeliveryOutcome, InvalidRetryScale, InvalidWebhookUrl, WebhookCounts, WebhookDelivery,
    WebhookSecretError,
};
