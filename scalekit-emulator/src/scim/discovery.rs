//! Discovery (RFC 7644 §4): `ServiceProviderConfig`, `ResourceTypes` and
//! `Schemas`, describing what this server supports.

use axum::{extract::Path, http::StatusCode, response::Response};
use serde_json::{Value, json};

use crate::scim::error::ScimError;
use crate::scim::request::{MAX_COUNT, ScimDirectory};
use crate::scim::resources::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, list, scim_json};

const CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `GET /ServiceProviderConfig`.
pub(crate) async fn service_provider_config(directory: ScimDirectory) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [CONFIG_SCHEMA],
            "documentationUri": "https://docs.scalekit.com/directory/scim/quickstart/",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_COUNT},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "The directory's secret as a bearer token",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}/ServiceProviderConfig", directory.base),
            },
        }),
    )
}

fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User", "name": "User", "endpoint": "/Users",
            "description": "Directory user",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "Directory group",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// `GET /ResourceTypes`.
pub(crate) async fn list_resource_types(directory: ScimDirectory) -> Response {
    let types = resource_types(&directory.base);
    scim_json(StatusCode::OK, &list(types.len(), 1, types))
}

/// `GET /ResourceTypes/{name}`.
pub(crate) async fn resource_type(
    directory: ScimDirectory,
    Path((_, name)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    resource_types(&directory.base)
        .into_iter()
        .find(|kind| kind["id"] == name.as_str())
        .map(|kind| scim_json(StatusCode::OK, &kind))
        .ok_or_else(|| ScimError::plain(StatusCode::NOT_FOUND, format!("no resource type {name}")))
}

fn attribute(name: &str, kind: &str, multi: bool, unique: &str, sub: Option<Value>) -> Value {
    let mut attribute = json!({
        "name": name, "type": kind, "multiValued": multi, "required": name == "userName" || name == "displayName",
        "caseExact": name == "externalId", "mutability": "readWrite", "returned": "default",
        "uniqueness": unique,
    });
    if let (Some(sub), Some(map)) = (sub, attribute.as_object_mut()) {
        map.insert("subAttributes".into(), sub);
    }
    attribute
}

/// A multi-valued complex attribute; `references` adds `$ref` (members
/// and groups point at other resources).
fn multi_valued(name: &str, references: bool) -> Value {
    let mut sub = vec![
        attribute("value", "string", false, "none", None),
        attribute("display", "string", false, "none", None),
        attribute("type", "string", false, "none", None),
        attribute("primary", "boolean", false, "none", None),
    ];
    if references {
        let mut reference = attribute("$ref", "reference", false, "none", None);
        reference["referenceTypes"] = json!(["User", "Group"]);
        sub.push(reference);
    }
    let sub = Value::Array(sub);
    attribute(name, "complex", true, "none", Some(sub))
}

fn schemas(base: &str) -> Vec<Value> {
    let name = json!([
        attribute("formatted", "string", false, "none", None),
        attribute("familyName", "string", false, "none", None),
        attribute("givenName", "string", false, "none", None),
        attribute("middleName", "string", false, "none", None),
    ]);
    let schema = |id: &str, name_: &str, attributes: Vec<Value>| {
        json!({
            "schemas": [SCHEMA_SCHEMA], "id": id, "name": name_, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    vec![
        schema(
            USER_SCHEMA,
            "User",
            vec![
                attribute("userName", "string", false, "server", None),
                attribute("externalId", "string", false, "none", None),
                attribute("name", "complex", false, "none", Some(name)),
                attribute("displayName", "string", false, "none", None),
                attribute("nickName", "string", false, "none", None),
                attribute("active", "boolean", false, "none", None),
                multi_valued("emails", false),
                multi_valued("phoneNumbers", false),
                multi_valued("photos", false),
                multi_valued("addresses", false),
                multi_valued("groups", true),
            ],
        ),
        schema(
            GROUP_SCHEMA,
            "Group",
            vec![
                attribute("displayName", "string", false, "none", None),
                attribute("externalId", "string", false, "none", None),
                multi_valued("members", true),
            ],
        ),
        schema(
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            vec![
                attribute("employeeNumber", "string", false, "none", None),
                attribute("department", "string", false, "none", None),
                attribute("organization", "string", false, "none", None),
            ],
        ),
    ]
}

/// `GET /Schemas`.
pub(crate) async fn list_schemas(directory: ScimDirectory) -> Response {
    let schemas = schemas(&directory.base);
    scim_json(StatusCode::OK, &list(schemas.len(), 1, schemas))
}

/// `GET /Schemas/{id}`.
pub(crate) async fn schema(
    directory: ScimDirectory,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ScimError> {
    schemas(&directory.base)
        .into_iter()
        .find(|schema| schema["id"] == id.as_str())
        .map(|schema| scim_json(StatusCode::OK, &schema))
        .ok_or_else(|| ScimError::plain(StatusCode::NOT_FOUND, format!("no schema {id}")))
}
