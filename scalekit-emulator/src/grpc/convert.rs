//! Store records as protobuf messages. Enum fields carry the value whose
//! name is the REST string (`"OIDC"`, `"COMPLETED"`, ...).

use time::OffsetDateTime;

use crate::api::portal_links::PortalLink;
use crate::grpc::proto::scalekit::v1::{commons, connections, directories, domains, organizations};
use crate::store::connections::Connection;
use crate::store::directories::{DIRECTORY_NAME, Directory, GROUPS_TRACKED};
use crate::store::domains::Domain;
use crate::store::org_settings::{SessionPolicy, TimeUnit, UserManagement};
use crate::store::organizations::Organization;

/// A protobuf timestamp.
pub(super) fn timestamp(at: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

/// An organization (region `US`, as REST answers).
pub(super) fn organization(record: &Organization) -> organizations::Organization {
    organizations::Organization {
        id: record.id.clone(),
        create_time: Some(timestamp(record.create_time())),
        update_time: Some(timestamp(record.update_time())),
        display_name: record.display_name.clone(),
        region_code: commons::RegionCode::Us.into(),
        external_id: record.external_id.clone(),
        metadata: record.metadata.clone().into_iter().collect(),
        settings: Some(organizations::OrganizationSettings {
            features: record
                .features()
                .iter()
                .map(
                    |(name, enabled)| organizations::OrganizationSettingsFeature {
                        name: name.clone(),
                        enabled: *enabled,
                    },
                )
                .collect(),
        }),
        slug: record.slug.clone(),
        logo_url: record.logo_url.clone(),
    }
}

/// A time unit.
fn time_unit(unit: TimeUnit) -> i32 {
    commons::TimeUnit::from_str_name(unit.as_str())
        .unwrap_or_default()
        .into()
}

/// A session policy.
pub(super) fn session_policy(
    policy: &SessionPolicy,
) -> organizations::OrganizationSessionPolicySettings {
    organizations::OrganizationSessionPolicySettings {
        policy_source: organizations::SessionPolicyType::from_str_name(policy.source.as_str())
            .unwrap_or_default()
            .into(),
        absolute_session_timeout: policy.absolute.map(|t| t.amount),
        absolute_session_timeout_unit: policy.absolute.map(|t| time_unit(t.unit)),
        idle_session_timeout_enabled: policy.idle_enabled,
        idle_session_timeout: policy.idle.map(|t| t.amount),
        idle_session_timeout_unit: policy.idle.map(|t| time_unit(t.unit)),
    }
}

/// User-management settings.
pub(super) fn user_management(
    settings: UserManagement,
) -> organizations::OrganizationUserManagementSettings {
    organizations::OrganizationUserManagementSettings {
        max_allowed_users: settings.max_allowed_users,
    }
}

/// An SSO connection as `CreateConnection` answers it.
pub(super) fn connection_detail(record: &Connection) -> connections::Connection {
    let listed = connection(record);
    connections::Connection {
        id: listed.id,
        provider: listed.provider,
        r#type: listed.r#type,
        status: listed.status,
        enabled: listed.enabled,
        organization_id: Some(listed.organization_id),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        key_id: Some(listed.key_id),
        provider_key: listed.provider_key,
        ..Default::default()
    }
}

/// A minted portal link (an omitted location is empty).
pub(super) fn link(link: PortalLink) -> organizations::Link {
    organizations::Link {
        id: link.id,
        location: link.location.unwrap_or_default(),
        expire_time: Some(timestamp(link.expire_time)),
    }
}

/// An SSO connection as `ListConnections` lists it.
pub(super) fn connection(record: &Connection) -> connections::ListConnection {
    let provider =
        connections::ConnectionProvider::from_str_name(record.provider).unwrap_or_default();
    connections::ListConnection {
        id: record.id.clone(),
        provider: provider.into(),
        r#type: connections::ConnectionType::from_str_name(record.connection_type)
            .unwrap_or_default()
            .into(),
        status: connections::ConnectionStatus::from_str_name(record.status.as_str())
            .unwrap_or_default()
            .into(),
        enabled: record.enabled,
        organization_id: record.organization_id.clone(),
        organization_name: record.organization_name.clone(),
        provider_key: record.provider.to_ascii_lowercase(),
        key_id: record.id.clone(),
        ..Default::default()
    }
}

/// A SCIM directory.
pub(super) fn directory(record: &Directory) -> directories::Directory {
    directories::Directory {
        id: record.id.clone(),
        name: DIRECTORY_NAME.to_owned(),
        directory_type: directories::DirectoryType::from_str_name(record.directory_type)
            .unwrap_or_default()
            .into(),
        organization_id: record.organization_id.clone(),
        enabled: record.enabled,
        directory_provider: directories::DirectoryProvider::from_str_name(record.provider)
            .unwrap_or_default()
            .into(),
        status: record.status().to_owned(),
        groups_tracked: GROUPS_TRACKED.to_owned(),
        ..Default::default()
    }
}

/// A domain, without its TXT secret (as REST answers).
pub(super) fn domain(record: &Domain) -> domains::Domain {
    domains::Domain {
        id: record.id.clone(),
        domain: record.name.clone(),
        environment_id: record.environment_id.clone(),
        organization_id: record.organization_id.clone(),
        verification_status: domains::VerificationStatus::from_str_name(
            record.verification_status.as_str(),
        )
        .unwrap_or_default()
        .into(),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        domain_type: domains::DomainType::from_str_name(record.domain_type)
            .unwrap_or_default()
            .into(),
        verification_method: domains::VerificationMethod::from_str_name(record.verification_method)
            .unwrap_or_default()
            .into(),
        ..Default::default()
    }
}
