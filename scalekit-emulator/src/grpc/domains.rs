//! `scalekit.v1.domains.DomainService`: create, get, delete and list an
//! organization's domains.

use tonic::{Request, Response, Status};

use crate::api::domains;
use crate::api::errors::ApiError;
use crate::api::organizations::OrganizationRef;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::domains::{
    CreateDomainRequest, CreateDomainResponse, DeleteDomainRequest, DomainType, GetDomainRequest,
    GetDomainResponse, ListDomainRequest, ListDomainResponse, create_domain_request,
    delete_domain_request, domain_service_server::DomainService, get_domain_request,
    list_domain_request,
};
use crate::state::AppState;

/// The service's full name.
pub(super) const SERVICE: &str = "scalekit.v1.domains.DomainService";

/// The service over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct Domains(pub(super) AppState);

/// An optional `int32` as a size or number, negative values refused.
fn count(value: Option<i32>, name: &str) -> Result<Option<usize>, ApiError> {
    value
        .map(|n| {
            usize::try_from(n)
                .map_err(|_| ApiError::invalid_argument(format!("{name} must not be negative")))
        })
        .transpose()
}

/// A domain type's name (unspecified: absent).
fn type_name(value: i32) -> Option<&'static str> {
    DomainType::try_from(value)
        .ok()
        .filter(|kind| *kind != DomainType::Unspecified)
        .map(|kind| kind.as_str_name())
}

/// The organization an `identities` oneof names; each request type has its
/// own generated oneof with the same two cases.
macro_rules! organization_ref {
    ($identities:expr, $module:ident) => {
        match $identities {
            Some($module::Identities::OrganizationId(id)) => OrganizationRef::Id(id),
            Some($module::Identities::ExternalId(external_id)) => {
                OrganizationRef::ExternalId(external_id)
            }
            None => {
                return Err(ApiError::invalid_argument("organization_id is required").into());
            }
        }
    };
}

#[tonic::async_trait]
impl DomainService for Domains {
    async fn create_domain(
        &self,
        request: Request<CreateDomainRequest>,
    ) -> Result<Response<CreateDomainResponse>, Status> {
        let request = request.into_inner();
        let organization = organization_ref!(&request.identities, create_domain_request);
        let new = request.domain.unwrap_or_default();
        let domain = domains::create(
            &self.0,
            organization,
            &new.domain,
            type_name(new.domain_type),
        )?;
        Ok(Response::new(CreateDomainResponse {
            domain: Some(convert::domain(&domain)),
        }))
    }

    async fn get_domain(
        &self,
        request: Request<GetDomainRequest>,
    ) -> Result<Response<GetDomainResponse>, Status> {
        let request = request.into_inner();
        let organization = organization_ref!(&request.identities, get_domain_request);
        let domain = domains::get_one(&self.0, organization, &request.id)?;
        Ok(Response::new(GetDomainResponse {
            domain: Some(convert::domain(&domain)),
        }))
    }

    async fn delete_domain(
        &self,
        request: Request<DeleteDomainRequest>,
    ) -> Result<Response<()>, Status> {
        let request = request.into_inner();
        let organization = organization_ref!(&request.identities, delete_domain_request);
        domains::delete(&self.0, organization, &request.id)?;
        Ok(Response::new(()))
    }

    async fn list_domains(
        &self,
        request: Request<ListDomainRequest>,
    ) -> Result<Response<ListDomainResponse>, Status> {
        let request = request.into_inner();
        let organization = organization_ref!(&request.identities, list_domain_request);
        let id = crate::api::organizations::resolve(&self.0, organization)?.id;
        let page_size = count(request.page_size, "page_size")?;
        let page_number = count(request.page_number, "page_number")?;
        let listed = domains::list(
            &self.0,
            &id,
            page_size,
            page_number,
            type_name(request.domain_type),
        )?;
        Ok(Response::new(ListDomainResponse {
            page_size: i32::try_from(listed.len()).unwrap_or(i32::MAX),
            page_number: i32::try_from(page_number.unwrap_or(0)).unwrap_or(i32::MAX),
            domains: listed.iter().map(convert::domain).collect(),
        }))
    }
}
