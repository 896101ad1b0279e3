//! `scalekit.v1.organizations.OrganizationService`: portal links, get, list,
//! create and feature settings.

use tonic::{Request, Response, Status};

use crate::api::errors::ApiError;
use crate::api::organizations as rest;
use crate::api::portal_links;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::organizations::{
    CreateOrganizationRequest, CreateOrganizationResponse, Feature, GeneratePortalLinkRequest,
    GeneratePortalLinkResponse, GetOrganizationRequest, GetOrganizationResponse,
    ListOrganizationsRequest, ListOrganizationsResponse, UpdateOrganizationSettingsRequest,
    get_organization_request::Identities, organization_service_server::OrganizationService,
};
use crate::state::AppState;
use crate::store::organizations::Organization;

/// The service's full name.
pub(super) const SERVICE: &str = "scalekit.v1.organizations.OrganizationService";

/// The service over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct Organizations(pub(super) AppState);

fn organization_response(organization: &Organization) -> Response<GetOrganizationResponse> {
    Response::new(GetOrganizationResponse {
        organization: Some(convert::organization(organization)),
    })
}

/// The feature names a request asks for: the `features` enum values, then
/// the legacy booleans, duplicates dropped. A number the enum lacks is
/// code 3, as Scalekit refuses it.
fn requested_features(request: &GeneratePortalLinkRequest) -> Result<Vec<String>, ApiError> {
    let mut names: Vec<String> = Vec::new();
    for value in &request.features {
        let feature = Feature::try_from(*value)
            .ok()
            .filter(|f| *f != Feature::Unspecified)
            .ok_or_else(|| {
                ApiError::invalid_argument(format!("features: unknown value {value}"))
            })?;
        names.push(feature.as_str_name().to_owned());
    }
    if request.sso == Some(true) {
        names.push(Feature::Sso.as_str_name().to_owned());
    }
    if request.directory_sync == Some(true) {
        names.push(Feature::DirSync.as_str_name().to_owned());
    }
    let mut unique: Vec<String> = Vec::new();
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    Ok(unique)
}

/// The organization a get request names by id or external id.
fn lookup(state: &AppState, request: GetOrganizationRequest) -> Result<Organization, ApiError> {
    match request.identities {
        Some(Identities::Id(id)) => rest::get(state, &id),
        Some(Identities::ExternalId(external_id)) => rest::get_by_external_id(state, &external_id),
        None => Err(ApiError::invalid_argument("id or external_id is required")),
    }
}

#[tonic::async_trait]
impl OrganizationService for Organizations {
    async fn create_organization(
        &self,
        request: Request<CreateOrganizationRequest>,
    ) -> Result<Response<CreateOrganizationResponse>, Status> {
        let new = request.into_inner().organization.unwrap_or_default();
        let organization = rest::create(
            &self.0,
            new.display_name,
            new.external_id,
            new.metadata.into_iter().collect(),
        )?;
        Ok(Response::new(CreateOrganizationResponse {
            organization: Some(convert::organization(&organization)),
        }))
    }

    async fn get_organization(
        &self,
        request: Request<GetOrganizationRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        Ok(organization_response(&lookup(
            &self.0,
            request.into_inner(),
        )?))
    }

    async fn get_organization_by_external_id(
        &self,
        request: Request<GetOrganizationRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        Ok(organization_response(&lookup(
            &self.0,
            request.into_inner(),
        )?))
    }

    async fn list_organization(
        &self,
        request: Request<ListOrganizationsRequest>,
    ) -> Result<Response<ListOrganizationsResponse>, Status> {
        let request = request.into_inner();
        let page_size = (request.page_size != 0).then(|| request.page_size.to_string());
        let page = rest::list_page(
            &self.0,
            page_size.as_deref(),
            Some(&request.page_token),
            request.external_id.as_deref(),
        )?;
        Ok(Response::new(ListOrganizationsResponse {
            next_page_token: page.next_page_token,
            total_size: u32::try_from(page.total_size).unwrap_or(u32::MAX),
            organizations: page
                .organizations
                .iter()
                .map(convert::organization)
                .collect(),
            prev_page_token: page.prev_page_token,
        }))
    }

    async fn generate_portal_link(
        &self,
        request: Request<GeneratePortalLinkRequest>,
    ) -> Result<Response<GeneratePortalLinkResponse>, Status> {
        let request = request.into_inner();
        let features = requested_features(&request)?;
        let link = portal_links::mint(&self.0, &request.id, features)?;
        Ok(Response::new(GeneratePortalLinkResponse {
            link: Some(convert::link(link)),
        }))
    }

    async fn update_organization_settings(
        &self,
        request: Request<UpdateOrganizationSettingsRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        let request = request.into_inner();
        let features: Vec<(String, bool)> = request
            .settings
            .unwrap_or_default()
            .features
            .into_iter()
            .map(|f| (f.name, f.enabled))
            .collect();
        let organization = rest::update_features(&self.0, &request.id, &features)?;
        Ok(organization_response(&organization))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_features_from_the_enum_and_the_legacy_flags() {
        let request = GeneratePortalLinkRequest {
            id: "org_1".into(),
            sso: Some(true),
            directory_sync: Some(true),
            features: vec![Feature::Sso.into()],
        };
        assert_eq!(requested_features(&request).unwrap(), ["sso", "dir_sync"]);
        let unknown = GeneratePortalLinkRequest {
            features: vec![7],
            ..request
        };
        assert!(requested_features(&unknown).is_err());
    }
}
