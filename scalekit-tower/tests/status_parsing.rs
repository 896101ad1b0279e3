//! The status reads' types against the reference API description
//! (the workspace's `tests/reference/scalekit-openapi-webhooks-connections.yaml`): every
//! enum value it lists is a known variant with the same spelling, and an
//! object built from its property examples parses into the documented
//! values. Proto JSON names (lowerCamelCase) and enum numbers parse too.

use scalekit_tower::{
    ConnectionProvider, ConnectionStatus, ConnectionType, Directory, DirectoryProvider,
    DirectoryType, Domain, DomainType, SsoConnection, VerificationMethod, VerificationStatus,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

const REFERENCE: &str =
    include_str!("../../tests/reference/scalekit-openapi-webhooks-connections.yaml");

fn schemas() -> Value {
    let reference: Value = serde_norway::from_str(REFERENCE).unwrap();
    reference["components"]["schemas"].clone()
}

/// Every value of the reference's enum `schema` parses as a known variant
/// of `T` and writes back the same.
fn assert_enum_known<T>(schema: &str, is_other: impl Fn(&T) -> bool)
where
    T: DeserializeOwned + ToString + std::fmt::Debug,
{
    let values = schemas()[schema]["enum"].as_array().unwrap().clone();
    assert!(!values.is_empty(), "{schema} lists no values");
    for value in values {
        let parsed: T = serde_json::from_value(value.clone()).unwrap();
        assert!(
            !is_other(&parsed),
            "{schema}: {value} is not a known variant"
        );
        assert_eq!(Value::from(parsed.to_string()), value, "{schema}");
    }
}

#[test]
fn every_enum_value_of_the_reference_is_known() {
    assert_enum_known::<ConnectionType>("connectionsConnectionType", |v| {
        matches!(v, ConnectionType::Other(_))
    });
    assert_enum_known::<ConnectionProvider>("connectionsConnectionProvider", |v| {
        matches!(v, ConnectionProvider::Other(_))
    });
    assert_enum_known::<ConnectionStatus>("connectionsConnectionStatus", |v| {
        matches!(v, ConnectionStatus::Other(_))
    });
    assert_enum_known::<DirectoryType>("directoriesDirectoryType", |v| {
        matches!(v, DirectoryType::Other(_))
    });
    assert_enum_known::<DirectoryProvider>("directoriesDirectoryProvider", |v| {
        matches!(v, DirectoryProvider::Other(_))
    });
    assert_enum_known::<VerificationStatus>("domainsVerificationStatus", |v| {
        matches!(v, VerificationStatus::Other(_))
    });
    assert_enum_known::<VerificationMethod>("domainsVerificationMethod", |v| {
        matches!(v, VerificationMethod::Other(_))
    });
}

/// An object with the first documented example of each property of `schema`
/// (an enum reference gets its first value).
fn example_of(schema: &str) -> Map<String, Value> {
    let schemas = schemas();
    let properties = schemas[schema]["properties"].as_object().unwrap();
    let mut object = Map::new();
    for (name, property) in properties {
        let example = property["examples"]
            .get(0)
            .or_else(|| property.get("example"))
            .cloned()
            .or_else(|| {
                let target = property["$ref"].as_str()?.rsplit('/').next()?;
                schemas[target]["enum"].get(0).cloned()
            });
        if let Some(example) = example {
            object.insert(name.clone(), example);
        }
    }
    object
}

#[test]
fn a_connection_built_from_the_reference_examples_parses() {
    let example = example_of("connectionsListConnection");
    let connection: SsoConnection = serde_json::from_value(Value::Object(example.clone())).unwrap();
    assert_eq!(connection.id, example["id"].as_str().unwrap());
    assert_eq!(
        connection.organization_id.as_deref(),
        example["organization_id"].as_str()
    );
    assert_eq!(connection.enabled, example["enabled"].as_bool().unwrap());
    assert_eq!(connection.connection_type, Some(ConnectionType::Oidc));
    assert_eq!(connection.provider, Some(ConnectionProvider::Custom));
    assert_eq!(connection.status, Some(ConnectionStatus::InProgress));
    assert_eq!(connection.domains, ["yourapp.com", "yourworkspace.com"]);
    // Fields this version does not model (mcp_server_url, key_id, ...) were ignored.
    assert!(example.contains_key("mcp_server_url"));
}

#[test]
fn a_directory_built_from_the_reference_examples_parses() {
    let example = example_of("directoriesDirectory");
    let directory: Directory = serde_json::from_value(Value::Object(example.clone())).unwrap();
    assert_eq!(directory.id, example["id"].as_str().unwrap());
    assert_eq!(directory.directory_type, Some(DirectoryType::Scim));
    assert_eq!(directory.provider, Some(DirectoryProvider::Okta));
    assert!(directory.enabled);
    assert_eq!(directory.total_users, Some(10));
    assert_eq!(
        directory
            .status
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("IN_PROGRESS")
    );
}

#[test]
fn a_domain_built_from_the_reference_examples_parses() {
    let example = example_of("domainsDomain");
    let domain: Domain = serde_json::from_value(Value::Object(example.clone())).unwrap();
    assert_eq!(domain.domain, "customerdomain.com");
    assert_eq!(domain.domain_type, Some(DomainType::OrganizationDomain));
    assert_eq!(domain.verification_method, Some(VerificationMethod::Admin));
    assert_eq!(
        domain.verification_status,
        Some(VerificationStatus::AutoVerified)
    );
    assert!(domain.is_verified());
}

#[test]
fn proto_json_names_numbers_and_unknown_values_parse() {
    let connection: SsoConnection = serde_json::from_value(json!({
        "id": "conn_1", "organizationId": "org_1", "type": 2, "provider": "BRAND_NEW_IDP",
        "status": "CONNECTION_STATUS_UNSPECIFIED", "enabled": true, "keyId": "x", "createdAt": null
    }))
    .unwrap();
    assert_eq!(connection.organization_id.as_deref(), Some("org_1"));
    assert_eq!(connection.connection_type, Some(ConnectionType::Saml));
    assert_eq!(
        connection.provider,
        Some(ConnectionProvider::Other("BRAND_NEW_IDP".into()))
    );
    assert_eq!(connection.status, None, "unspecified is absent");
    assert!(connection.is_active());

    let directory: Directory = serde_json::from_value(json!({
        "id": "dir_1", "directoryType": "SCIM", "directoryProvider": 0, "enabled": false,
        "totalUsers": 3
    }))
    .unwrap();
    assert_eq!(directory.provider, None);
    assert_eq!(directory.total_users, Some(3));

    let domain: Domain = serde_json::from_value(json!({
        "id": "dom_1", "domain": "a.example", "verificationStatus": 3, "domainType": null
    }))
    .unwrap();
    assert_eq!(domain.verification_status, Some(VerificationStatus::Failed));
    assert_eq!(domain.domain_type, None);
    assert!(!domain.is_verified());

    // A wrong type is an error, not a silent default.
    assert!(serde_json::from_value::<SsoConnection>(json!({"id": "c", "enabled": "yes"})).is_err());
}
