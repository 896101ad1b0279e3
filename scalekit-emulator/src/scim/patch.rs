//! PATCH (RFC 7644 §3.5.2) applied to a resource: `add`, `replace` and
//! `remove` in any letter case, with a `path` (`attr`, `attr.sub`,
//! `attr[filter]`, `attr[filter].sub`, schema-qualified) or without one
//! (the value is an object of attributes), as Okta and Entra ID send them.

use serde_json::{Map, Value};

use crate::scim::attribute::{AttributePath, find_key};
use crate::scim::error::ScimError;
use crate::scim::filter::{Filter, Operator};

/// The PatchOp message schema.
#[cfg(test)]
pub(crate) const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A `path`: the attribute, an optional element filter and sub-attribute.
struct Target {
    path: AttributePath,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn parse_target(text: &str) -> Result<Target, ScimError> {
    let invalid = || ScimError::invalid_path(format!("{text:?} is not a valid path"));
    match text.split_once('[') {
        None => Ok(Target {
            path: AttributePath::parse(text).ok_or_else(invalid)?,
            filter: None,
            sub: None,
        }),
        Some((attribute, rest)) => {
            let (filter, after) = rest.rsplit_once(']').ok_or_else(invalid)?;
            let sub = match after {
                "" => None,
                after => Some(after.strip_prefix('.').ok_or_else(invalid)?.to_owned()),
            };
            let filter = Filter::parse(filter).map_err(|error| {
                ScimError::invalid_filter(format!("in path {text:?}: {}", error.0))
            })?;
            Ok(Target {
                path: AttributePath::parse(attribute).ok_or_else(invalid)?,
                filter: Some(filter),
                sub,
            })
        }
    }
}

/// Applies a PatchOp message to `resource`.
pub(crate) fn apply(resource: Value, message: &Value) -> Result<Value, ScimError> {
    let Value::Object(mut resource) = resource else {
        return Err(ScimError::invalid_value("the resource is not an object"));
    };
    let operations = message
        .get("Operations")
        .or_else(|| message.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("a PATCH body needs an Operations array"))?;
    for operation in operations {
        let op = match operation
            .get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(op) if op == "add" => Op::Add,
            Some(op) if op == "replace" => Op::Replace,
            Some(op) if op == "remove" => Op::Remove,
            other => {
                return Err(ScimError::invalid_syntax(format!(
                    "op must be add, replace or remove, got {other:?}"
                )));
            }
        };
        let value = operation.get("value");
        match operation.get("path").and_then(Value::as_str) {
            Some(path) => apply_at(&mut resource, op, &parse_target(path)?, value)?,
            None if op == Op::Remove => {
                return Err(ScimError::bad_request("noTarget", "remove needs a path"));
            }
            None => {
                let Some(Value::Object(attributes)) = value else {
                    return Err(ScimError::invalid_value(
                        "an operation without a path needs an object value",
                    ));
                };
                for (key, value) in attributes {
                    // Entra and others put `name.givenName` or a qualified
                    // name as a key: treat each key as a path.
                    apply_at(&mut resource, op, &parse_target(key)?, Some(value))?;
                }
            }
        }
    }
    Ok(Value::Object(resource))
}

/// The object the path's last key lives in (created for add/replace).
fn parent<'a>(
    resource: &'a mut Map<String, Value>,
    keys: &[String],
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    let mut object = resource;
    for key in keys {
        let existing = find_key(object, key);
        let key = match existing {
            Some(key) => key,
            None if create => {
                object.insert(key.clone(), Value::Object(Map::new()));
                key.clone()
            }
            None => return None,
        };
        object = object.get_mut(&key)?.as_object_mut()?;
    }
    Some(object)
}

/// Sets `key` in `object`: arrays are appended to by `add`, objects merged.
fn put(object: &mut Map<String, Value>, key: &str, op: Op, value: Value) {
    let key = find_key(object, key).unwrap_or_else(|| key.to_owned());
    match (object.get_mut(&key), value) {
        (Some(Value::Array(existing)), Value::Array(new)) if op == Op::Add => {
            for item in new {
                if !existing.iter().any(|old| same_item(old, &item)) {
                    existing.push(item);
                }
            }
        }
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (sub, value) in new {
                put(existing, &sub, op, value);
            }
        }
        (_, value) => {
            object.insert(key, value);
        }
    }
}

/// Two multi-valued entries are the same when their `value`s are.
fn same_item(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

fn apply_at(
    resource: &mut Map<String, Value>,
    op: Op,
    target: &Target,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let (parents, last) = target
        .path
        .keys
        .split_at(target.path.keys.len().saturating_sub(1));
    let Some(last) = last.first() else {
        return Err(ScimError::invalid_path("empty path"));
    };
    let required = || ScimError::invalid_value("add and replace need a value");
    match &target.filter {
        None => {
            if op == Op::Remove {
                let Some(object) = parent(resource, parents, false) else {
                    return Ok(());
                };
                let Some(key) = find_key(object, last) else {
                    return Ok(());
                };
                match (object.get_mut(&key), value) {
                    // Entra: `remove` `members` with the values to remove.
                    (Some(Value::Array(items)), Some(Value::Array(gone))) => {
                        items.retain(|item| !gone.iter().any(|g| same_item(item, g)));
                    }
                    _ => {
                        object.remove(&key);
                    }
                }
                return Ok(());
            }
            let value = value.ok_or_else(required)?.clone();
            let object = parent(resource, parents, true).ok_or_else(|| {
                ScimError::invalid_path("the path crosses a value that is not an object")
            })?;
            put(object, last, op, value);
            Ok(())
        }
        Some(filter) => {
            let object = parent(resource, parents, op != Op::Remove)
                .ok_or_else(|| ScimError::bad_request("noTarget", "nothing matches the path"))?;
            let key = find_key(object, last).unwrap_or_else(|| last.clone());
            let items = object
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = items else {
                return Err(ScimError::invalid_path(format!(
                    "{last} is not multi-valued"
                )));
            };
            if op == Op::Remove {
                match &target.sub {
                    None => items.retain(|item| !filter.matches(item)),
                    Some(sub) => {
                        for item in items.iter_mut().filter(|item| filter.matches(item)) {
                            if let Some(item) = item.as_object_mut()
                                && let Some(key) = find_key(item, sub)
                            {
                                item.remove(&key);
                            }
                        }
                    }
                }
                return Ok(());
            }
            let value = value.ok_or_else(required)?.clone();
            let mut matched = false;
            for item in items.iter_mut().filter(|item| filter.matches(item)) {
                matched = true;
                match (&target.sub, item.as_object_mut()) {
                    (Some(sub), Some(item)) => put(item, sub, Op::Replace, value.clone()),
                    (None, Some(item)) => {
                        if let Value::Object(new) = &value {
                            for (sub, value) in new {
                                put(item, sub, Op::Replace, value.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !matched {
                items.push(new_element(filter, target.sub.as_deref(), value)?);
            }
            Ok(())
        }
    }
}

/// The element an `add`/`replace` on `attr[sub eq "x"].sub2` creates when
/// none matches (Entra sets `emails[type eq "work"].value` on users that
/// have no work email yet).
fn new_element(filter: &Filter, sub: Option<&str>, value: Value) -> Result<Value, ScimError> {
    let Filter::Compare(path, Operator::Eq, expected) = filter else {
        return Err(ScimError::bad_request(
            "noTarget",
            "no element matches the path's filter",
        ));
    };
    let mut element = match (sub, value) {
        (Some(sub), value) => Map::from_iter([(sub.to_owned(), value)]),
        (None, Value::Object(map)) => map,
        (None, _) => return Err(ScimError::invalid_value("the value must be an object")),
    };
    if let Some(key) = path.keys.last() {
        element.insert(key.clone(), expected.clone());
    }
    Ok(Value::Object(element))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: Value, operations: Value) -> Result<Value, ScimError> {
        apply(
            resource,
            &json!({"schemas": [PATCH_SCHEMA], "Operations": operations}),
        )
    }

    #[test]
    fn okta_deactivates_and_renames_without_a_path() {
        let user = json!({"userName": "jane", "active": true, "name": {"givenName": "Jane", "familyName": "Doe"}});
        let out = patch(user, json!([{"op": "replace", "value": {"active": false}}])).unwrap();
        assert_eq!(out["active"], false);
        let out = patch(
            out,
            json!([{"op": "replace", "path": "name.givenName", "value": "Janet"}]),
        )
        .unwrap();
        assert_eq!(
            out["name"],
            json!({"givenName": "Janet", "familyName": "Doe"})
        );
    }

    #[test]
    fn entra_capitalised_ops_and_filtered_paths() {
        let user = json!({"userName": "jane", "emails": [{"type": "work", "value": "old@acme.test", "primary": true}]});
        let out = patch(
            user,
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@acme.test"},
                {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "home@acme.test"},
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "value": {"name.familyName": "Doe"}},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
            ]),
        )
        .unwrap();
        assert_eq!(out["emails"][0]["value"], "new@acme.test");
        assert_eq!(out["emails"][0]["primary"], true);
        assert_eq!(
            out["emails"][1],
            json!({"type": "home", "value": "home@acme.test"})
        );
        assert_eq!(out["active"], "False");
        assert_eq!(out["name"]["familyName"], "Doe");
        assert_eq!(
            out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "R&D"
        );
    }

    #[test]
    fn members_add_and_remove_in_both_forms() {
        let group = json!({"displayName": "Eng", "members": [{"value": "u1"}]});
        let out = patch(
            group,
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u2", "display": "b"}, {"value": "u1"}]},
                {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u3"}]},
            ]),
        )
        .unwrap();
        assert_eq!(out["members"].as_array().unwrap().len(), 3);
        let out = patch(
            out,
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u3"}]},
            ]),
        )
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "u2", "display": "b"}]));
        let out = patch(out, json!([{"op": "remove", "path": "members"}])).unwrap();
        assert!(out.get("members").is_none());
    }

    #[test]
    fn refuses_bad_operations() {
        let user = json!({"userName": "jane"});
        let error = patch(
            user.clone(),
            json!([{"op": "frobnicate", "path": "userName"}]),
        )
        .unwrap_err();
        assert_eq!(error.scim_type, Some("invalidSyntax"));
        let error = patch(
            user.clone(),
            json!([{"op": "replace", "path": "bad path!", "value": 1}]),
        )
        .unwrap_err();
        assert_eq!(error.scim_type, Some("invalidPath"));
        let error = patch(user.clone(), json!([{"op": "replace", "value": 1}])).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        let error = apply(user, &json!({"schemas": [PATCH_SCHEMA]})).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidSyntax"));
    }
}
