//! Pages of organizations: `ListOrganization` and `SearchOrganization`
//! (`GET /api/v1/organizations` and `GET /api/v1/organizations:search`),
//! with opaque page tokens.
//!
//! Scalekit's list descriptor only documents a page size of 10 to 100 (no
//! validation rule), so any size is accepted and sizes over 100 answer 100;
//! search enforces at most 30, as its descriptor does.

use axum::{
    Json,
    extract::{RawQuery, State},
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::api::errors::ApiError;
use crate::api::extract::{query_pairs, query_value};
use crate::state::AppState;
use crate::store::organizations::Organization;

/// `page_size` when absent or 0.
const DEFAULT_PAGE_SIZE: usize = 10;
/// The most organizations one list page holds.
const MAX_LIST_PAGE_SIZE: usize = 100;
/// The largest search `page_size` (enforced).
const MAX_SEARCH_PAGE_SIZE: usize = 30;

/// Encodes a list offset as an opaque page token.
fn encode_page_token(offset: usize) -> String {
    format!("offset:{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Decodes a page token made by [`encode_page_token`].
fn decode_page_token(token: &str) -> Option<usize> {
    if !token.len().is_multiple_of(2) || !token.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    String::from_utf8(bytes?)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// One page of organizations and the tokens around it.
#[derive(Debug)]
pub(crate) struct OrganizationPage {
    pub(crate) organizations: Vec<Organization>,
    pub(crate) next_page_token: String,
    pub(crate) prev_page_token: String,
    pub(crate) total_size: usize,
}

impl OrganizationPage {
    /// The REST representation.
    fn into_response(self) -> Response {
        let organizations: Vec<_> = self.organizations.iter().map(|o| o.to_json()).collect();
        Json(json!({
            "organizations": organizations,
            "next_page_token": self.next_page_token,
            "prev_page_token": self.prev_page_token,
            "total_size": self.total_size,
        }))
        .into_response()
    }
}

/// A page size as sent (absent or 0 is the default), or code 3.
fn page_size(text: Option<&str>) -> Result<usize, ApiError> {
    match text {
        None | Some("") => Ok(DEFAULT_PAGE_SIZE),
        Some(text) => text
            .parse::<usize>()
            .map(|size| if size == 0 { DEFAULT_PAGE_SIZE } else { size })
            .map_err(|_| ApiError::invalid_argument("page_size must be a whole number")),
    }
}

/// The page at `page_token` of the organizations `keep` selects.
fn page(
    state: &AppState,
    page_size: usize,
    page_token: Option<&str>,
    keep: impl Fn(&Organization) -> bool,
) -> Result<OrganizationPage, ApiError> {
    let offset = match page_token {
        None | Some("") => 0,
        Some(token) => decode_page_token(token)
            .ok_or_else(|| ApiError::invalid_argument("Invalid page token"))?,
    };
    let (organizations, total_size) = state.store.with_organizations(|organizations| {
        let matching: Vec<_> = organizations.filtered(None).filter(|o| keep(o)).collect();
        let page: Vec<_> = matching
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|o| (*o).clone())
            .collect();
        (page, matching.len())
    });
    let next = offset.saturating_add(page_size);
    let next_page_token = if next < total_size {
        encode_page_token(next)
    } else {
        String::new()
    };
    let prev_page_token = if offset == 0 {
        String::new()
    } else {
        encode_page_token(offset.saturating_sub(page_size))
    };
    Ok(OrganizationPage {
        organizations,
        next_page_token,
        prev_page_token,
        total_size,
    })
}

/// Lists organizations, optionally only the one with `external_id`.
/// Shared by REST and gRPC.
pub(crate) fn list_page(
    state: &AppState,
    page_size_text: Option<&str>,
    page_token: Option<&str>,
    external_id: Option<&str>,
) -> Result<OrganizationPage, ApiError> {
    let size = page_size(page_size_text)?.min(MAX_LIST_PAGE_SIZE);
    let external_id = external_id.filter(|e| !e.is_empty());
    page(state, size, page_token, |o| {
        external_id.is_none_or(|e| o.external_id.as_deref() == Some(e))
    })
}

/// Searches organizations whose display name, id, external id or slug
/// contains `query` (ignoring case). Shared by REST and gRPC.
pub(crate) fn search_page(
    state: &AppState,
    query: &str,
    page_size_text: Option<&str>,
    page_token: Option<&str>,
) -> Result<OrganizationPage, ApiError> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Err(ApiError::invalid_argument("query is required"));
    }
    let size = page_size(page_size_text)?;
    if size > MAX_SEARCH_PAGE_SIZE {
        return Err(ApiError::invalid_argument(format!(
            "page_size must be at most {MAX_SEARCH_PAGE_SIZE}"
        )));
    }
    page(state, size, page_token, |o| o.matches(&query))
}

/// `GET /api/v1/organizations?page_size=&page_token=&external_id=`.
pub(crate) async fn list_organizations(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    Ok(list_page(
        &state,
        query_value(&pairs, &["page_size", "pageSize"]),
        query_value(&pairs, &["page_token", "pageToken"]),
        query_value(&pairs, &["external_id", "externalId"]),
    )?
    .into_response())
}

/// `GET /api/v1/organizations:search?query=&page_size=&page_token=`.
pub(crate) async fn search_organizations(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    Ok(search_page(
        &state,
        query_value(&pairs, &["query"]).unwrap_or_default(),
        query_value(&pairs, &["page_size", "pageSize"]),
        query_value(&pairs, &["page_token", "pageToken"]),
    )?
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        for offset in [0, 10, 12345] {
            assert_eq!(decode_page_token(&encode_page_token(offset)), Some(offset));
        }
        for bad in ["x", "abc", "zz", "6f", "ü1", "6f66667365743a2d31"] {
            assert_eq!(decode_page_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn page_sizes_default_and_refuse_text() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some("0")).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some("5")).unwrap(), 5);
        assert!(page_size(Some("ten")).is_err());
        assert!(page_size(Some("-1")).is_err());
    }
}
