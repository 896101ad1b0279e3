//! A SCIM 2.0 server (RFC 7643/7644) for each directory, at its
//! `directory_endpoint` (`/api/v1/directories/{dir}/scim/v2`), as identity
//! providers (Okta, Entra ID, ...) call it: Users and Groups with create,
//! get, list (filter, paging), replace, PATCH and delete, the discovery
//! endpoints, and SCIM errors. Every call needs the directory's current
//! secret as its bearer token. Writes go through the store, which records
//! the `organization.directory.*` change each makes.

mod attribute;
mod collection;
mod discovery;
mod error;
mod filter;
mod kind;
mod patch;
mod request;
mod resources;

use axum::{Router, routing::get};

use crate::state::AppState;
use collection::{create, delete, get as read, list, replace, update};
use kind::{Groups, Users};

/// The media type of SCIM answers.
pub(crate) const CONTENT_TYPE: &str = "application/scim+json";

/// The SCIM base path; `{dir}` is the directory id.
pub(crate) const BASE: &str = "/api/v1/directories/{dir}/scim/v2";

/// The SCIM routes of every directory.
pub(crate) fn router() -> Router<AppState> {
    let route = |path: &str| format!("{BASE}{path}");
    Router::new()
        .route(&route("/Users"), get(list::<Users>).post(create::<Users>))
        .route(
            &route("/Users/{id}"),
            get(read::<Users>)
                .put(replace::<Users>)
                .patch(update::<Users>)
                .delete(delete::<Users>),
        )
        .route(
            &route("/Groups"),
            get(list::<Groups>).post(create::<Groups>),
        )
        .route(
            &route("/Groups/{id}"),
            get(read::<Groups>)
                .put(replace::<Groups>)
                .patch(update::<Groups>)
                .delete(delete::<Groups>),
        )
        .route(
            &route("/ServiceProviderConfig"),
            get(discovery::service_provider_config),
        )
        .route(
            &route("/ResourceTypes"),
            get(discovery::list_resource_types),
        )
        .route(&route("/ResourceTypes/{id}"), get(discovery::resource_type))
        .route(&route("/Schemas"), get(discovery::list_schemas))
        .route(&route("/Schemas/{id}"), get(discovery::schema))
}
