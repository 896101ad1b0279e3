//! Attribute paths (RFC 7644 §3.10): `userName`, `name.givenName`, or one
//! qualified by its schema URN (`urn:...:enterprise:2.0:User:department`),
//! and looking attributes up in a resource, ignoring case as SCIM does.

use serde_json::{Map, Value};

/// The core schemas, whose URN qualifies nothing (their attributes sit at
/// the top level of a resource).
const CORE_SCHEMAS: [&str; 2] = [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
];

/// One attribute path, split into the keys to follow from the resource's
/// top level (an extension's URN is the first key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttributePath {
    pub(crate) keys: Vec<String>,
}

impl AttributePath {
    /// Parses `attr`, `attr.sub` or `urn:...:attr[.sub]`; `None` if it is
    /// not one.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let mut keys = Vec::new();
        let rest = if text.to_ascii_lowercase().starts_with("urn:") {
            let (urn, attribute) = text.rsplit_once(':')?;
            if !CORE_SCHEMAS
                .iter()
                .any(|core| core.eq_ignore_ascii_case(urn))
            {
                keys.push(urn.to_owned());
            }
            attribute
        } else {
            text
        };
        for key in rest.split('.') {
            let valid = key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
            if !valid {
                return None;
            }
            keys.push(key.to_owned());
        }
        (keys.len() <= 3).then_some(Self { keys })
    }

    /// Whether the last key names `id` or `externalId` (compared exactly).
    pub(crate) fn case_exact(&self) -> bool {
        self.keys
            .last()
            .is_some_and(|key| key == "id" || key.eq_ignore_ascii_case("externalId"))
    }
}

/// The key of `object` that matches `key` ignoring ASCII case.
pub(crate) fn find_key(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .keys()
        .find(|existing| existing.eq_ignore_ascii_case(key))
        .cloned()
}

/// Every value `keys` reach in `value`; arrays along the way fan out.
pub(crate) fn values_at<'a>(value: &'a Value, keys: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = keys.split_first() else {
        return match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
    };
    match value {
        Value::Object(object) => find_key(object, first)
            .and_then(|key| object.get(&key))
            .map(|next| values_at(next, rest))
            .unwrap_or_default(),
        Value::Array(items) => items
            .iter()
            .flat_map(|item| values_at(item, keys))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_plain_dotted_and_qualified_paths() {
        assert_eq!(AttributePath::parse("userName").unwrap().keys, ["userName"]);
        assert_eq!(
            AttributePath::parse("name.givenName").unwrap().keys,
            ["name", "givenName"]
        );
        assert_eq!(
            AttributePath::parse("urn:ietf:params:scim:schemas:core:2.0:User:userName")
                .unwrap()
                .keys,
            ["userName"]
        );
        assert_eq!(
            AttributePath::parse(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            )
            .unwrap()
            .keys,
            [
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "department"
            ]
        );
        assert!(AttributePath::parse("bad attr").is_none());
        assert!(AttributePath::parse("").is_none());
    }

    #[test]
    fn looks_up_ignoring_case_and_fanning_out() {
        let user = json!({"UserName": "jane", "emails": [{"value": "a"}, {"value": "b"}]});
        assert_eq!(values_at(&user, &["username".into()]), [&json!("jane")]);
        assert_eq!(
            values_at(&user, &["emails".into(), "value".into()]),
            [&json!("a"), &json!("b")]
        );
    }
}
