//! What a SCIM request brings: the directory it is authorized for (bearer =
//! the directory's current secret), a JSON body, and list parameters.

use axum::{
    extract::{FromRequestParts, RawPathParams},
    http::{StatusCode, header, request::Parts},
    response::Response,
};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use crate::scim::error::ScimError;
use crate::scim::filter::Filter;
use crate::scim::resources::{self, scim_json};
use crate::state::AppState;

/// The largest page a list answers.
pub(crate) const MAX_COUNT: usize = 1000;

/// The directory of an authorized SCIM request, and its SCIM base URL.
#[derive(Debug, Clone)]
pub(crate) struct ScimDirectory {
    pub(crate) id: String,
    pub(crate) base: String,
}

impl FromRequestParts<AppState> for ScimDirectory {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::plain(StatusCode::NOT_FOUND, "no such directory"))?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "dir")
            .map(|(_, value)| value.to_owned())
            .ok_or_else(|| ScimError::plain(StatusCode::NOT_FOUND, "no such directory"))?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                value
                    .split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim())
            })
            .ok_or_else(|| {
                ScimError::plain(
                    StatusCode::UNAUTHORIZED,
                    "send Authorization: Bearer <directory secret>",
                )
            })?;
        state.store.authorize_scim(&id, token)?;
        let base = format!("{}/api/v1/directories/{id}/scim/v2", state.base_url);
        Ok(Self { id, base })
    }
}

/// Parses a request body as a JSON object (`invalidSyntax` otherwise).
pub(crate) fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ScimError::invalid_syntax("the body must be a JSON object")),
        Err(error) => Err(ScimError::invalid_syntax(format!(
            "the body is not JSON: {error}"
        ))),
    }
}

/// `?filter=...&startIndex=...&count=...&excludedAttributes=...`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    pub(crate) filter: Option<String>,
    pub(crate) start_index: Option<String>,
    pub(crate) count: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
}

impl ListQuery {
    /// The 1-based first index (values below 1 count as 1).
    pub(crate) fn start_index(&self) -> Result<usize, ScimError> {
        parse_number(self.start_index.as_deref(), "startIndex", 1).map(|n| n.max(1) as usize)
    }

    /// How many to answer at most (negative counts as 0, capped).
    pub(crate) fn count(&self) -> Result<usize, ScimError> {
        parse_number(self.count.as_deref(), "count", 100)
            .map(|n| (n.max(0) as usize).min(MAX_COUNT))
    }

    /// The ListResponse page of `resources` that match the filter.
    pub(crate) fn answer(
        &self,
        resources: impl Iterator<Item = Value>,
    ) -> Result<Response, ScimError> {
        let filter = self
            .filter
            .as_deref()
            .map(Filter::parse)
            .transpose()
            .map_err(|error| ScimError::invalid_filter(error.0))?;
        let (start, count) = (self.start_index()?, self.count()?);
        let matching: Vec<Value> = resources
            .filter(|resource| {
                filter
                    .as_ref()
                    .is_none_or(|filter| filter.matches(resource))
            })
            .collect();
        let total = matching.len();
        let page = matching.into_iter().skip(start - 1).take(count).collect();
        Ok(scim_json(
            StatusCode::OK,
            &resources::list(total, start, page),
        ))
    }

    /// Whether `excludedAttributes` names `attribute`.
    pub(crate) fn excludes(&self, attribute: &str) -> bool {
        self.excluded_attributes.as_deref().is_some_and(|list| {
            list.split(',')
                .any(|name| name.trim().eq_ignore_ascii_case(attribute))
        })
    }
}

fn parse_number(text: Option<&str>, name: &str, default: i64) -> Result<i64, ScimError> {
    match text {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            ScimError::invalid_value(format!("{name} must be an integer, got {text:?}"))
        }),
    }
}
