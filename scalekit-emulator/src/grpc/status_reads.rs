//! The status reads: `ConnectionService/ListConnections` and
//! `DomainService/ListDomains` (`DirectoryService` is in `directories`).

use tonic::{Request, Response, Status};

use crate::api::errors::ApiError;
use crate::api::{connections, domains};
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::connections::{
    ListConnectionsRequest, ListConnectionsResponse, connection_service_server::ConnectionService,
};
use crate::grpc::proto::scalekit::v1::domains::{
    DomainType, ListDomainRequest, ListDomainResponse, domain_service_server::DomainService,
    list_domain_request::Identities,
};
use crate::state::AppState;

/// `ConnectionService`'s full name.
pub(super) const CONNECTIONS: &str = "scalekit.v1.connections.ConnectionService";
/// `DomainService`'s full name.
pub(super) const DOMAINS: &str = "scalekit.v1.domains.DomainService";

/// The two services over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct StatusReads(pub(super) AppState);

/// An optional `int32` as a size or number, negative values refused.
fn count(value: Option<i32>, name: &str) -> Result<Option<usize>, ApiError> {
    value
        .map(|n| {
            usize::try_from(n)
                .map_err(|_| ApiError::invalid_argument(format!("{name} must not be negative")))
        })
        .transpose()
}

#[tonic::async_trait]
impl ConnectionService for StatusReads {
    async fn list_connections(
        &self,
        request: Request<ListConnectionsRequest>,
    ) -> Result<Response<ListConnectionsResponse>, Status> {
        let request = request.into_inner();
        let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        let connections = connections::list(
            &self.0,
            non_empty(&request.organization_id).as_deref(),
            non_empty(&request.domain).as_deref(),
            non_empty(&request.include).as_deref(),
        )?;
        Ok(Response::new(ListConnectionsResponse {
            connections: connections.iter().map(convert::connection).collect(),
        }))
    }
}

#[tonic::async_trait]
impl DomainService for StatusReads {
    async fn list_domains(
        &self,
        request: Request<ListDomainRequest>,
    ) -> Result<Response<ListDomainResponse>, Status> {
        let request = request.into_inner();
        let id = match request.identities {
            Some(Identities::OrganizationId(id)) => id,
            Some(Identities::ExternalId(external_id)) => {
                crate::api::organizations::get_by_external_id(&self.0, &external_id)?.id
            }
            None => return Err(ApiError::invalid_argument("organization_id is required").into()),
        };
        let page_size = count(request.page_size, "page_size")?;
        let page_number = count(request.page_number, "page_number")?;
        let domain_type = DomainType::try_from(request.domain_type)
            .ok()
            .filter(|kind| *kind != DomainType::Unspecified)
            .map(|kind| kind.as_str_name());
        let listed = domains::list(&self.0, &id, page_size, page_number, domain_type)?;
        Ok(Response::new(ListDomainResponse {
            page_size: i32::try_from(listed.len()).unwrap_or(i32::MAX),
            page_number: i32::try_from(page_number.unwrap_or(0)).unwrap_or(i32::MAX),
            domains: listed.iter().map(convert::domain).collect(),
        }))
    }
}
