//! `scalekit.v1.organizations.OrganizationService`: portal links, create,
//! get, update, delete, list, search, feature settings, session policy and
//! user-management settings.

use tonic::{Request, Response, Status};

use crate::api::errors::ApiError;
use crate::api::organization_pages::{self, OrganizationPage};
use crate::api::organization_settings::{self, PolicyUpdate};
use crate::api::organizations::{self as rest, OrganizationFields, OrganizationRef};
use crate::api::portal_links;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::commons::TimeUnit;
use crate::grpc::proto::scalekit::v1::organizations::{
    CreateOrganizationRequest, CreateOrganizationResponse, DeleteOrganizationRequest, Feature,
    GeneratePortalLinkRequest, GeneratePortalLinkResponse, GetOrganizationRequest,
    GetOrganizationResponse, GetOrganizationSessionPolicyRequest,
    GetOrganizationSessionPolicyResponse, GetOrganizationUserManagementSettingsRequest,
    GetOrganizationUserManagementSettingsResponse, ListOrganizationsRequest,
    ListOrganizationsResponse, SearchOrganizationsRequest, SearchOrganizationsResponse,
    SessionPolicyType, UpdateOrganizationRequest, UpdateOrganizationResponse,
    UpdateOrganizationSessionPolicyRequest, UpdateOrganizationSessionPolicyResponse,
    UpdateOrganizationSettingsRequest, UpsertUserManagementSettingsRequest,
    UpsertUserManagementSettingsResponse, delete_organization_request, get_organization_request,
    organization_service_server::OrganizationService, update_organization_request,
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

/// The refusal of a request that names no organization.
fn no_identity() -> ApiError {
    ApiError::invalid_argument("id or external_id is required")
}

/// A page as the list and search responses carry it.
fn page_parts(
    page: OrganizationPage,
) -> (
    String,
    u32,
    Vec<crate::grpc::proto::scalekit::v1::organizations::Organization>,
    String,
) {
    (
        page.next_page_token,
        u32::try_from(page.total_size).unwrap_or(u32::MAX),
        page.organizations
            .iter()
            .map(convert::organization)
            .collect(),
        page.prev_page_token,
    )
}

/// A `uint32` page size as the shared functions read it (0: absent).
fn page_size_text(size: u32) -> Option<String> {
    (size != 0).then(|| size.to_string())
}

/// A time-unit enum value by name (unspecified: absent).
fn unit_name(value: Option<i32>) -> Option<String> {
    value
        .and_then(|v| TimeUnit::try_from(v).ok())
        .filter(|unit| *unit != TimeUnit::SessionTimeUnitUnspecified)
        .map(|unit| unit.as_str_name().to_owned())
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
            OrganizationFields {
                display_name: Some(new.display_name),
                external_id: new.external_id,
                metadata: Some(new.metadata.into_iter().collect()),
                slug: new.slug,
                logo_url: new.logo_url,
            },
        )?;
        Ok(Response::new(CreateOrganizationResponse {
            organization: Some(convert::organization(&organization)),
        }))
    }

    async fn get_organization(
        &self,
        request: Request<GetOrganizationRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        use get_organization_request::Identities;
        let reference = match &request.get_ref().identities {
            Some(Identities::Id(id)) => OrganizationRef::Id(id),
            Some(Identities::ExternalId(external_id)) => OrganizationRef::ExternalId(external_id),
            None => return Err(no_identity().into()),
        };
        Ok(organization_response(&rest::resolve(&self.0, reference)?))
    }

    /// The same call as `GetOrganization`: the request names the
    /// organization either way.
    async fn get_organization_by_external_id(
        &self,
        request: Request<GetOrganizationRequest>,
    ) -> Result<Response<GetOrganizationResponse>, Status> {
        self.get_organization(request).await
    }

    async fn update_organization(
        &self,
        request: Request<UpdateOrganizationRequest>,
    ) -> Result<Response<UpdateOrganizationResponse>, Status> {
        use update_organization_request::Identities;
        let request = request.into_inner();
        let reference = match &request.identities {
            Some(Identities::Id(id)) => OrganizationRef::Id(id),
            Some(Identities::ExternalId(external_id)) => OrganizationRef::ExternalId(external_id),
            None => return Err(no_identity().into()),
        };
        let update = request.organization.unwrap_or_default();
        let organization = rest::update(
            &self.0,
            reference,
            OrganizationFields {
                display_name: update.display_name,
                external_id: update.external_id,
                metadata: Some(update.metadata.into_iter().collect()),
                slug: update.slug,
                logo_url: update.logo_url,
            },
        )?;
        Ok(Response::new(UpdateOrganizationResponse {
            organization: Some(convert::organization(&organization)),
        }))
    }

    async fn delete_organization(
        &self,
        request: Request<DeleteOrganizationRequest>,
    ) -> Result<Response<()>, Status> {
        use delete_organization_request::Identities;
        let reference = match &request.get_ref().identities {
            Some(Identities::Id(id)) => OrganizationRef::Id(id),
            Some(Identities::ExternalId(external_id)) => OrganizationRef::ExternalId(external_id),
            None => return Err(no_identity().into()),
        };
        rest::delete(&self.0, reference)?;
        Ok(Response::new(()))
    }

    async fn search_organization(
        &self,
        request: Request<SearchOrganizationsRequest>,
    ) -> Result<Response<SearchOrganizationsResponse>, Status> {
        let request = request.into_inner();
        let page = organization_pages::search_page(
            &self.0,
            &request.query,
            page_size_text(request.page_size).as_deref(),
            Some(&request.page_token),
        )?;
        let (next_page_token, total_size, organizations, prev_page_token) = page_parts(page);
        Ok(Response::new(SearchOrganizationsResponse {
            next_page_token,
            total_size,
            organizations,
            prev_page_token,
        }))
    }

    async fn get_organization_session_policy(
        &self,
        request: Request<GetOrganizationSessionPolicyRequest>,
    ) -> Result<Response<GetOrganizationSessionPolicyResponse>, Status> {
        let policy =
            organization_settings::session_policy(&self.0, &request.get_ref().organization_id)?;
        Ok(Response::new(GetOrganizationSessionPolicyResponse {
            policy: Some(convert::session_policy(&policy)),
        }))
    }

    async fn update_organization_session_policy(
        &self,
        request: Request<UpdateOrganizationSessionPolicyRequest>,
    ) -> Result<Response<UpdateOrganizationSessionPolicyResponse>, Status> {
        let request = request.into_inner();
        let update = PolicyUpdate {
            policy_source: SessionPolicyType::try_from(request.policy_source)
                .ok()
                .filter(|source| *source != SessionPolicyType::Unspecified)
                .map(|source| source.as_str_name().to_owned()),
            absolute_session_timeout: request.absolute_session_timeout,
            absolute_session_timeout_unit: unit_name(request.absolute_session_timeout_unit),
            idle_session_timeout_enabled: request.idle_session_timeout_enabled,
            idle_session_timeout: request.idle_session_timeout,
            idle_session_timeout_unit: unit_name(request.idle_session_timeout_unit),
        };
        let policy = organization_settings::update_session_policy(
            &self.0,
            &request.organization_id,
            &update,
        )?;
        Ok(Response::new(UpdateOrganizationSessionPolicyResponse {
            policy: Some(convert::session_policy(&policy)),
        }))
    }

    async fn get_organization_user_management_setting(
        &self,
        request: Request<GetOrganizationUserManagementSettingsRequest>,
    ) -> Result<Response<GetOrganizationUserManagementSettingsResponse>, Status> {
        let settings =
            organization_settings::user_management(&self.0, &request.get_ref().organization_id)?;
        Ok(Response::new(
            GetOrganizationUserManagementSettingsResponse {
                settings: Some(convert::user_management(settings)),
            },
        ))
    }

    async fn upsert_user_management_settings(
        &self,
        request: Request<UpsertUserManagementSettingsRequest>,
    ) -> Result<Response<UpsertUserManagementSettingsResponse>, Status> {
        let request = request.into_inner();
        let settings = organization_settings::upsert_user_management(
            &self.0,
            &request.organization_id,
            request.settings.unwrap_or_default().max_allowed_users,
        )?;
        Ok(Response::new(UpsertUserManagementSettingsResponse {
            settings: Some(convert::user_management(settings)),
        }))
    }

    async fn list_organization(
        &self,
        request: Request<ListOrganizationsRequest>,
    ) -> Result<Response<ListOrganizationsResponse>, Status> {
        let request = request.into_inner();
        let page = organization_pages::list_page(
            &self.0,
            page_size_text(request.page_size).as_deref(),
            Some(&request.page_token),
            request.external_id.as_deref(),
        )?;
        let (next_page_token, total_size, organizations, prev_page_token) = page_parts(page);
        Ok(Response::new(ListOrganizationsResponse {
            next_page_token,
            total_size,
            organizations,
            prev_page_token,
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
