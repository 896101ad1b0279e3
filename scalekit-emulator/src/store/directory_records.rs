//! A directory's users and groups as an identity provider pushed them over
//! SCIM: the resource as received (RFC 7643 attributes, without `id` and
//! `meta`), plus what Scalekit derives from it for its events and reads.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::format::timefmt::rfc3339;

/// One directory user.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DirectoryUser {
    /// `diruser_...`: also its SCIM `id`.
    pub(crate) id: String,
    /// Creation order within the directory (the reads' page order).
    pub(crate) seq: u64,
    /// The SCIM attributes as received (no `id`, no `meta`).
    pub(crate) resource: Value,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated_at: OffsetDateTime,
    /// Bumped on every change (SCIM `meta.version`).
    pub(crate) version: u64,
}

/// One directory group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DirectoryGroup {
    /// `dirgroup_...`: also its SCIM `id`.
    pub(crate) id: String,
    /// Creation order within the directory.
    pub(crate) seq: u64,
    /// The SCIM attributes as received, without `members`.
    pub(crate) resource: Value,
    /// The member users' ids.
    pub(crate) members: BTreeSet<String>,
    pub(crate) created: OffsetDateTime,
    pub(crate) updated_at: OffsetDateTime,
    pub(crate) version: u64,
}

/// A string attribute of a resource (`a` or `a.b`), if present.
pub(crate) fn text<'a>(resource: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .try_fold(resource, |value, key| value.get(key))
        .and_then(Value::as_str)
}

/// The primary entry of a multi-valued attribute, else its first.
fn primary<'a>(resource: &'a Value, attribute: &str) -> Option<&'a Value> {
    let items = resource.get(attribute)?.as_array()?;
    items
        .iter()
        .find(|item| item.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.first())
}

impl DirectoryUser {
    /// SCIM `userName`.
    pub(crate) fn user_name(&self) -> &str {
        text(&self.resource, "userName").unwrap_or_default()
    }

    /// SCIM `externalId`, the provider's id.
    pub(crate) fn external_id(&self) -> Option<&str> {
        text(&self.resource, "externalId")
    }

    /// SCIM `active` (absent means active).
    pub(crate) fn active(&self) -> bool {
        self.resource
            .get("active")
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// The primary email, else the first, else a `userName` that is one.
    pub(crate) fn email(&self) -> Option<&str> {
        primary(&self.resource, "emails")
            .and_then(|email| email.get("value"))
            .and_then(Value::as_str)
            .or_else(|| Some(self.user_name()).filter(|name| name.contains('@')))
    }

    /// Every email value.
    pub(crate) fn emails(&self) -> Vec<&str> {
        self.resource
            .get("emails")
            .and_then(Value::as_array)
            .map(|emails| {
                emails
                    .iter()
                    .filter_map(|email| email.get("value").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `name.givenName`.
    pub(crate) fn given_name(&self) -> Option<&str> {
        text(&self.resource, "name.givenName")
    }

    /// `name.familyName`.
    pub(crate) fn family_name(&self) -> Option<&str> {
        text(&self.resource, "name.familyName")
    }

    /// The full name: `displayName`, `name.formatted` or given and family.
    pub(crate) fn full_name(&self) -> Option<String> {
        text(&self.resource, "displayName")
            .or_else(|| text(&self.resource, "name.formatted"))
            .map(str::to_owned)
            .or_else(|| {
                let parts: Vec<&str> = [self.given_name(), self.family_name()]
                    .into_iter()
                    .flatten()
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
    }

    /// `data` of `organization.directory.user_created|user_updated`.
    /// `groups` are the groups the user belongs to, as `(id, name)`.
    pub(crate) fn event_data(&self, organization_id: &str, groups: &[(String, String)]) -> Value {
        let picture = primary(&self.resource, "photos").and_then(|photo| photo.get("value"));
        let phone = primary(&self.resource, "phoneNumbers").and_then(|phone| phone.get("value"));
        let address = primary(&self.resource, "addresses").cloned();
        let groups: Vec<Value> = groups
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect();
        json!({
            "id": self.id,
            "organization_id": organization_id,
            "dp_id": self.external_id(),
            "preferred_username": self.user_name(),
            "email": self.email(),
            "active": self.active(),
            "name": self.full_name(),
            "given_name": self.given_name(),
            "family_name": self.family_name(),
            "nickname": text(&self.resource, "nickName"),
            "picture": picture,
            "phone_number": phone,
            "address": address,
            "groups": groups,
            "roles": [],
            "custom_attributes": {},
            "raw_attributes": self.resource,
        })
    }

    /// `data` of `organization.directory.user_deleted`.
    pub(crate) fn deleted_event_data(&self, organization_id: &str) -> Value {
        json!({
            "id": self.id,
            "organization_id": organization_id,
            "dp_id": self.external_id(),
            "email": self.email(),
        })
    }

    /// The REST representation (`DirectoryUser`); `groups` as `(id, name)`.
    pub(crate) fn to_json(&self, groups: &[(String, String)], include_detail: bool) -> Value {
        let groups: Vec<Value> = groups
            .iter()
            .map(|(id, name)| json!({ "id": id, "display_name": name }))
            .collect();
        let mut user = json!({
            "id": self.id,
            "email": self.email().unwrap_or_default(),
            "preferred_username": self.user_name(),
            "given_name": self.given_name().unwrap_or_default(),
            "family_name": self.family_name().unwrap_or_default(),
            "updated_at": rfc3339(self.updated_at),
            "emails": self.emails(),
            "groups": groups,
        });
        if include_detail && let Some(map) = user.as_object_mut() {
            map.insert("user_detail".into(), self.resource.clone());
        }
        user
    }
}

impl DirectoryGroup {
    /// SCIM `displayName`.
    pub(crate) fn display_name(&self) -> &str {
        text(&self.resource, "displayName").unwrap_or_default()
    }

    /// SCIM `externalId`.
    pub(crate) fn external_id(&self) -> Option<&str> {
        text(&self.resource, "externalId")
    }

    /// The SCIM resource with its `members` (`(id, userName)` of each).
    pub(crate) fn with_members(&self, members: &[(String, String)]) -> Value {
        let mut resource = self.resource.clone();
        if let Some(map) = resource.as_object_mut() {
            let members: Vec<Value> = members
                .iter()
                .map(|(id, name)| json!({ "value": id, "display": name }))
                .collect();
            map.insert("members".into(), Value::Array(members));
        }
        resource
    }

    /// `data` of the `organization.directory.group_*` events.
    pub(crate) fn event_data(
        &self,
        organization_id: &str,
        directory_id: &str,
        members: &[(String, String)],
    ) -> Value {
        json!({
            "id": self.id,
            "directory_id": directory_id,
            "organization_id": organization_id,
            "display_name": self.display_name(),
            "external_id": self.external_id(),
            "raw_attributes": self.with_members(members),
        })
    }

    /// The REST representation (`DirectoryGroup`).
    pub(crate) fn to_json(&self, members: &[(String, String)], include_detail: bool) -> Value {
        let mut group = json!({
            "id": self.id,
            "display_name": self.display_name(),
            "total_users": self.members.len(),
            "updated_at": rfc3339(self.updated_at),
        });
        if include_detail && let Some(map) = group.as_object_mut() {
            map.insert("group_detail".into(), self.with_members(members));
        }
        group
    }
}

/// Removes what the server owns (`id`, `meta`) from a received resource and
/// turns Entra's string booleans for `active` into booleans.
pub(crate) fn clean_resource(mut resource: Map<String, Value>) -> Result<Value, String> {
    resource.remove("id");
    resource.remove("meta");
    if let Some(active) = resource.get_mut("active") {
        *active = match &*active {
            Value::Bool(flag) => Value::Bool(*flag),
            Value::String(text) if text.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(text) if text.eq_ignore_ascii_case("false") => Value::Bool(false),
            other => return Err(format!("active must be a boolean, got {other}")),
        };
    }
    Ok(Value::Object(resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(resource: Value) -> DirectoryUser {
        let now = OffsetDateTime::now_utc();
        DirectoryUser {
            id: "diruser_1".into(),
            seq: 1,
            resource,
            created: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn event_data_has_the_documented_fields() {
        let user = user(json!({
            "userName": "jane@acme.test",
            "externalId": "00u1",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "j@acme.test"}, {"value": "jane@acme.test", "primary": true}],
            "phoneNumbers": [{"value": "+1 555"}],
        }));
        let data = user.event_data("org_1", &[("dirgroup_1".into(), "Eng".into())]);
        assert_eq!(data["dp_id"], "00u1");
        assert_eq!(data["email"], "jane@acme.test");
        assert_eq!(data["preferred_username"], "jane@acme.test");
        assert_eq!(data["name"], "Jane Doe");
        assert_eq!(data["active"], true);
        assert_eq!(data["phone_number"], "+1 555");
        assert_eq!(data["groups"][0]["name"], "Eng");
        assert_eq!(data["raw_attributes"]["externalId"], "00u1");
        let deleted = user.deleted_event_data("org_1");
        assert_eq!(deleted.as_object().unwrap().len(), 4);
    }

    #[test]
    fn cleans_server_attributes_and_string_booleans() {
        let Value::Object(map) = json!({"id": "x", "meta": {}, "active": "False", "userName": "a"})
        else {
            unreachable!()
        };
        let clean = clean_resource(map).unwrap();
        assert_eq!(clean, json!({"active": false, "userName": "a"}));
        let Value::Object(map) = json!({"active": 3}) else {
            unreachable!()
        };
        assert!(clean_resource(map).is_err());
    }
}
