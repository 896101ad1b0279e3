//! Validation against the reference API description
//! (`tests/reference/scalekit-openapi-webhooks-connections.yaml`, an exact
//! copy of Scalekit's published subset), through an independent JSON-schema
//! implementation (the `jsonschema` crate).

use std::sync::OnceLock;

use serde_json::{Value, json};

const REFERENCE: &str =
    include_str!("../../../tests/reference/scalekit-openapi-webhooks-connections.yaml");

/// The reference document as JSON.
fn reference() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_norway::from_str(REFERENCE).expect("reference YAML parses"))
}

/// `components.schemas`, with every object schema that lists `properties`
/// closed (`additionalProperties: false`) unless it says otherwise, so a
/// field the reference does not describe, or one misspelled, fails.
fn closed_components() -> Value {
    fn close(schema: &mut Value) {
        match schema {
            Value::Object(map) => {
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(false));
                }
                for value in map.values_mut() {
                    close(value);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    let mut components = reference()["components"].clone();
    close(&mut components);
    components
}

/// The schema the reference names for the 200 answer of `GET path`.
pub fn list_response_schema(path: &str) -> String {
    let reference = reference()["paths"][path]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("the reference describes GET {path}"));
    reference
        .strip_prefix("#/components/schemas/")
        .expect("a component reference")
        .to_owned()
}

/// Validates `instance` against component schema `name` (closed, formats
/// checked), and requires `required` fields on every item of the list in
/// `list_field`. Panics with every error found.
pub fn assert_valid(name: &str, instance: &Value, list_field: &str, required: &[&str]) {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": closed_components(),
        "$ref": format!("#/components/schemas/{name}"),
        "required": [list_field],
        "properties": {
            list_field: { "items": { "required": required } }
        }
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{instance:#} does not match {name}:\n{}",
        errors.join("\n")
    );
}

/// The schema check must bite: a misspelled field, a wrong enum value and a
/// wrong type are refused.
pub fn assert_schema_bites(name: &str, good: &Value, list_field: &str, required: &[&str]) {
    let item = &good[list_field][0];
    assert!(item.is_object(), "need one item to mutate: {good}");
    for (field, bad) in [
        ("enabled", json!("yes")),
        ("id", json!(17)),
        ("misspelled_field", json!(true)),
    ] {
        let mut broken = good.clone();
        broken[list_field][0][field] = bad;
        let outcome =
            std::panic::catch_unwind(|| assert_valid(name, &broken, list_field, required));
        assert!(outcome.is_err(), "{field} change was accepted: {broken}");
    }
}
