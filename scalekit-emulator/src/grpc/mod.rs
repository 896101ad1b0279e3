//! The gRPC API: the calls Scalekit's official SDKs make, as binary
//! protobuf over HTTP/2 on the same port as REST (a request whose
//! `content-type` starts with `application/grpc` comes here). Each call does
//! what its REST twin does, through the same functions of [`crate::api`]:
//! same store, counters ([`Endpoint`]), faults and webhooks. Errors are gRPC
//! statuses with the REST error's code and message, and a `google.rpc.Status`
//! carrying Scalekit's `ErrorInfo` in `grpc-status-details-bin`.
//!
//! The messages come from `proto/` (compiled by `build.rs`).

mod connections;
mod convert;
mod domains;
mod middleware;
mod organizations;
mod status;
mod status_reads;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::middleware::from_fn_with_state;

use crate::state::AppState;
use crate::store::counters::Endpoint;

/// The generated messages and servers.
#[allow(
    missing_docs,
    unreachable_pub,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic
)]
pub(crate) mod proto {
    include!(concat!(env!("OUT_DIR"), "/server/mod.rs"));
}

use proto::scalekit::v1::connections::connection_service_server::ConnectionServiceServer;
use proto::scalekit::v1::directories::directory_service_server::DirectoryServiceServer;
use proto::scalekit::v1::domains::domain_service_server::DomainServiceServer;
use proto::scalekit::v1::organizations::organization_service_server::OrganizationServiceServer;

/// Whether the request is a gRPC call (`application/grpc`, `+proto`, ...).
pub(crate) fn is_grpc(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/grpc"))
}

/// The endpoint a gRPC path (`/package.Service/Method`) counts as.
pub(crate) fn classify(path: &str) -> Endpoint {
    let Some((service, method)) = path.trim_start_matches('/').split_once('/') else {
        return Endpoint::Other;
    };
    match (service, method) {
        (organizations::SERVICE, "GeneratePortalLink") => Endpoint::GeneratePortalLink,
        (organizations::SERVICE, "GetOrganization") => Endpoint::GetOrganization,
        (organizations::SERVICE, "GetOrganizationByExternalId") => {
            Endpoint::GetOrganizationByExternalId
        }
        (organizations::SERVICE, "ListOrganization") => Endpoint::ListOrganizations,
        (organizations::SERVICE, "CreateOrganization") => Endpoint::CreateOrganization,
        (organizations::SERVICE, "UpdateOrganizationSettings") => {
            Endpoint::UpdateOrganizationSettings
        }
        (organizations::SERVICE, "UpdateOrganization") => Endpoint::UpdateOrganization,
        (organizations::SERVICE, "DeleteOrganization") => Endpoint::DeleteOrganization,
        (organizations::SERVICE, "SearchOrganization") => Endpoint::SearchOrganizations,
        (organizations::SERVICE, "GetOrganizationSessionPolicy") => Endpoint::GetSessionPolicy,
        (organizations::SERVICE, "UpdateOrganizationSessionPolicy") => {
            Endpoint::UpdateSessionPolicy
        }
        (organizations::SERVICE, "GetOrganizationUserManagementSetting") => {
            Endpoint::GetUserManagement
        }
        (organizations::SERVICE, "UpsertUserManagementSettings") => Endpoint::UpdateUserManagement,
        (connections::SERVICE, "ListConnections") => Endpoint::ListConnections,
        (connections::SERVICE, "CreateConnection") => Endpoint::CreateConnection,
        (connections::SERVICE, "DeleteConnection") => Endpoint::DeleteConnection,
        (connections::SERVICE, "ListAppConnections") => Endpoint::ListAppConnections,
        (status_reads::DIRECTORIES, "ListDirectories") => Endpoint::ListDirectories,
        (domains::SERVICE, "ListDomains") => Endpoint::ListDomains,
        (domains::SERVICE, "CreateDomain") => Endpoint::CreateDomain,
        (domains::SERVICE, "GetDomain") => Endpoint::GetDomain,
        (domains::SERVICE, "DeleteDomain") => Endpoint::DeleteDomain,
        _ => Endpoint::Other,
    }
}

/// The gRPC services behind counting, faults and the bearer-token check;
/// unknown calls, of known services or not, answer UNIMPLEMENTED naming the
/// method.
pub(crate) fn router(state: AppState) -> Router {
    let calls = |service: &str| format!("/{service}/{{*method}}");
    Router::new()
        .route_service(
            &calls(organizations::SERVICE),
            OrganizationServiceServer::new(organizations::Organizations(state.clone())),
        )
        .route_service(
            &calls(connections::SERVICE),
            ConnectionServiceServer::new(connections::Connections(state.clone())),
        )
        .route_service(
            &calls(status_reads::DIRECTORIES),
            DirectoryServiceServer::new(status_reads::StatusReads(state.clone())),
        )
        .route_service(
            &calls(domains::SERVICE),
            DomainServiceServer::new(domains::Domains(state.clone())),
        )
        .fallback(middleware::unimplemented)
        .layer(axum::middleware::from_fn(middleware::name_unimplemented))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::require_bearer,
        ))
        .layer(from_fn_with_state(state.clone(), middleware::inject_faults))
        .layer(from_fn_with_state(state, middleware::observe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_calls_and_content_types() {
        assert_eq!(
            classify("/scalekit.v1.organizations.OrganizationService/GeneratePortalLink"),
            Endpoint::GeneratePortalLink
        );
        assert_eq!(
            classify("/scalekit.v1.domains.DomainService/ListDomains"),
            Endpoint::ListDomains
        );
        assert_eq!(
            classify("/scalekit.v1.organizations.OrganizationService/DeleteOrganization"),
            Endpoint::DeleteOrganization
        );
        assert_eq!(
            classify("/scalekit.v1.organizations.OrganizationService/GetPortalLinks"),
            Endpoint::Other
        );
        assert_eq!(classify("/nothing"), Endpoint::Other);
        let mut headers = HeaderMap::new();
        assert!(!is_grpc(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/grpc+proto".parse().unwrap(),
        );
        assert!(is_grpc(&headers));
    }
}
