//! Reading requests: path parameters, JSON bodies and query strings, each
//! failure answered as a 400 (code 3) that says what is wrong.

use axum::{
    body::Bytes,
    extract::{Path, rejection::PathRejection},
};

use crate::api::errors::ApiError;
use crate::store::organizations::validate_id;

/// The path parameter, or a 400 in the error shape when it does not decode.
pub(crate) fn path_param(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(value)| value)
        .map_err(|rejection| ApiError::invalid_argument(rejection.body_text()))
}

/// Two path parameters, or a 400 in the error shape when they do not decode.
pub(crate) fn path_params(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(String, String), ApiError> {
    path.map(|Path(values)| values)
        .map_err(|rejection| ApiError::invalid_argument(rejection.body_text()))
}

/// A valid organization id (`org_`, 1 to 32 characters) or a 400.
pub(crate) fn organization_id(id: &str) -> Result<(), ApiError> {
    validate_id(id).map_err(ApiError::invalid_argument)
}

/// Parses a JSON body, answering malformed JSON with 400 code 3.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|err| ApiError::invalid_argument(format!("invalid JSON body: {err}")))
}

/// The query string's `key=value` pairs, decoded, in order.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The last value of the first of `names` present in `pairs` (protojson
/// accepts both the snake_case and the lowerCamelCase spelling), empty
/// values counting as absent.
pub(crate) fn query_value<'a>(pairs: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, value)| names.contains(&key.as_str()) && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

/// An optional non-negative integer query parameter within `range`, or a
/// 400 naming the parameter.
pub(crate) fn query_number(
    pairs: &[(String, String)],
    names: &[&str],
    range: std::ops::RangeInclusive<usize>,
) -> Result<Option<usize>, ApiError> {
    let Some(text) = query_value(pairs, names) else {
        return Ok(None);
    };
    text.parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid_argument(format!(
                "{} must be between {} and {}, got {text:?}",
                names[0],
                range.start(),
                range.end()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_query_values_and_numbers() {
        let pairs = query_pairs(Some("page_size=20&pageSize=&x=1&include=all"));
        assert_eq!(query_value(&pairs, &["page_size", "pageSize"]), Some("20"));
        assert_eq!(query_value(&pairs, &["include"]), Some("all"));
        assert_eq!(query_value(&pairs, &["missing"]), None);
        assert_eq!(
            query_number(&pairs, &["page_size"], 10..=100).unwrap(),
            Some(20)
        );
        assert!(query_number(&pairs, &["page_size"], 30..=100).is_err());
        assert!(query_number(&pairs, &["x"], 2..=3).is_err());
        assert_eq!(query_number(&pairs, &["nope"], 1..=3).unwrap(), None);
    }
}
