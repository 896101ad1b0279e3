//! The SCIM representation of directory users and groups (RFC 7643 §4),
//! list answers (RFC 7644 §3.4.2) and the `application/scim+json` answer.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::format::timefmt::rfc3339;
use crate::scim::CONTENT_TYPE;
use crate::store::directory_access::{GroupView, UserView};

/// The core User schema.
pub(crate) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub(crate) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension.
pub(crate) const ENTERPRISE_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The list answer's schema.
pub(crate) const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A JSON answer with the SCIM media type.
pub(crate) fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Sets `schemas` (the core schema first, then any extension the resource
/// carries), `id` and `meta`.
fn finish(mut resource: Value, core: &str, kind: &str, id: &str, meta: Meta) -> Value {
    if let Some(map) = resource.as_object_mut() {
        let mut schemas = vec![json!(core)];
        if map.contains_key(ENTERPRISE_SCHEMA) {
            schemas.push(json!(ENTERPRISE_SCHEMA));
        }
        map.insert("schemas".into(), Value::Array(schemas));
        map.insert("id".into(), json!(id));
        map.insert(
            "meta".into(),
            json!({
                "resourceType": kind,
                "created": rfc3339(meta.created),
                "lastModified": rfc3339(meta.updated),
                "location": meta.location,
                "version": format!("W/\"{}\"", meta.version),
            }),
        );
    }
    resource
}

struct Meta {
    created: time::OffsetDateTime,
    updated: time::OffsetDateTime,
    location: String,
    version: u64,
}

/// A user resource; `base` is the directory's SCIM base URL.
pub(crate) fn user(base: &str, view: &UserView) -> Value {
    let mut resource = view.user.resource.clone();
    if let Some(map) = resource.as_object_mut() {
        let groups: Vec<Value> = view
            .groups
            .iter()
            .map(|(id, name)| json!({"value": id, "display": name, "$ref": format!("{base}/Groups/{id}")}))
            .collect();
        map.insert("groups".into(), Value::Array(groups));
    }
    let meta = Meta {
        created: view.user.created,
        updated: view.user.updated_at,
        location: format!("{base}/Users/{}", view.user.id),
        version: view.user.version,
    };
    finish(resource, USER_SCHEMA, "User", &view.user.id, meta)
}

/// A group resource, with its members unless `without_members`.
pub(crate) fn group(base: &str, view: &GroupView, without_members: bool) -> Value {
    let mut resource = view.group.with_members(&view.members);
    if let Some(map) = resource.as_object_mut() {
        if without_members {
            map.remove("members");
        } else if let Some(Value::Array(members)) = map.get_mut("members") {
            for member in members {
                let id = member["value"].as_str().unwrap_or_default().to_owned();
                member["$ref"] = json!(format!("{base}/Users/{id}"));
            }
        }
    }
    let meta = Meta {
        created: view.group.created,
        updated: view.group.updated_at,
        location: format!("{base}/Groups/{}", view.group.id),
        version: view.group.version,
    };
    finish(resource, GROUP_SCHEMA, "Group", &view.group.id, meta)
}

/// A ListResponse of one page.
pub(crate) fn list(total: usize, start_index: usize, page: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}
