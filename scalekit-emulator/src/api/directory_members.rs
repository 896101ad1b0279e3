//! `GET .../directories/{directory_id}/users` and `.../groups`: a
//! directory's users and groups a page at a time (`page_size` up to 30,
//! `page_token`, `include_detail`, `directory_group_id` for users,
//! `updated_after`), `{users|groups, total_size, next_page_token,
//! prev_page_token}`; an empty `next_page_token` ends the listing.

use axum::{
    Json,
    extract::{Path, RawQuery, State, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::directories::{api_error, get};
use crate::api::errors::ApiError;
use crate::api::extract::{path_params, query_number, query_pairs, query_value};
use crate::state::AppState;

/// The documented largest page.
pub(crate) const MAX_PAGE_SIZE: usize = 30;
/// The page size when none is asked for.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 10;

/// What a listing asks for (REST query or gRPC request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MemberQuery {
    pub(crate) page_size: Option<usize>,
    pub(crate) page_token: Option<String>,
    pub(crate) include_detail: bool,
    pub(crate) directory_group_id: Option<String>,
    pub(crate) updated_after: Option<OffsetDateTime>,
}

impl MemberQuery {
    /// Reads the REST query string (snake_case or lowerCamelCase names).
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs = query_pairs(query);
        let include_detail = match query_value(&pairs, &["include_detail", "includeDetail"]) {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ApiError::invalid_argument(format!(
                    "include_detail must be true or false, got {other:?}"
                )));
            }
        };
        let updated_after = query_value(&pairs, &["updated_after", "updatedAfter"])
            .map(|text| {
                OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
                    ApiError::invalid_argument(format!(
                        "updated_after must be an RFC 3339 time, got {text:?}"
                    ))
                })
            })
            .transpose()?;
        Ok(Self {
            page_size: query_number(&pairs, &["page_size", "pageSize"], 0..=MAX_PAGE_SIZE)?,
            page_token: query_value(&pairs, &["page_token", "pageToken"]).map(str::to_owned),
            include_detail,
            directory_group_id: query_value(&pairs, &["directory_group_id", "directoryGroupId"])
                .map(str::to_owned),
            updated_after,
        })
    }

    /// One page of `items` (each with its creation sequence number):
    /// `(page, next_page_token, prev_page_token)`.
    fn page<T>(&self, items: Vec<(u64, T)>) -> Result<(Vec<T>, String, String), ApiError> {
        let size = match self.page_size {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(size) => size,
        };
        let after = match self.page_token.as_deref() {
            None => 0,
            Some(token) => token
                .strip_prefix("pt_")
                .and_then(|seq| seq.parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::invalid_argument(format!("invalid page_token {token:?}"))
                })?,
        };
        let start = items
            .iter()
            .position(|(seq, _)| *seq > after)
            .unwrap_or(items.len());
        let end = (start + size).min(items.len());
        let token = |index: usize| format!("pt_{}", items.get(index).map_or(0, |(seq, _)| *seq));
        let next = if end < items.len() {
            token(end - 1)
        } else {
            String::new()
        };
        let prev = match start {
            0 => String::new(),
            start if start > size => token(start - size - 1),
            _ => "pt_0".to_owned(),
        };
        let page = items
            .into_iter()
            .skip(start)
            .take(end - start)
            .map(|(_, item)| item)
            .collect();
        Ok((page, next, prev))
    }
}

/// A page of users as `ListDirectoryUsersResponse` JSON. Shared by REST and
/// gRPC.
pub(crate) fn list_users(
    state: &AppState,
    organization_id: &str,
    directory_id: &str,
    query: &MemberQuery,
) -> Result<Value, ApiError> {
    get(state, organization_id, directory_id)?;
    // Only the page's users are rendered: a page of a large directory
    // costs its 30 users, not every user's JSON.
    let (users, total, next, prev) = state
        .store
        .read_directory(directory_id, |contents| {
            if let Some(group) = &query.directory_group_id
                && contents.group(group).is_none()
            {
                return Err(ApiError::not_found(format!(
                    "directory group {group} not found"
                )));
            }
            let items: Vec<_> = contents
                .users
                .values()
                .filter(|user| {
                    query
                        .updated_after
                        .is_none_or(|after| user.updated_at > after)
                })
                .filter(|user| {
                    query.directory_group_id.as_ref().is_none_or(|group| {
                        contents
                            .group(group)
                            .is_some_and(|g| g.members.contains(&user.id))
                    })
                })
                .map(|user| (user.seq, user))
                .collect();
            let total = items.len();
            let (page, next, prev) = query.page(items)?;
            let users: Vec<Value> = page
                .into_iter()
                .map(|user| user.to_json(&contents.groups_of(&user.id), query.include_detail))
                .collect();
            Ok((users, total, next, prev))
        })
        .map_err(|error| api_error(error, organization_id))??;
    Ok(
        json!({"users": users, "total_size": total, "next_page_token": next, "prev_page_token": prev}),
    )
}

/// A page of groups as `ListDirectoryGroupsResponse` JSON. Shared by REST
/// and gRPC.
pub(crate) fn list_groups(
    state: &AppState,
    organization_id: &str,
    directory_id: &str,
    query: &MemberQuery,
) -> Result<Value, ApiError> {
    get(state, organization_id, directory_id)?;
    let items = state
        .store
        .read_directory(directory_id, |contents| {
            contents
                .groups
                .values()
                .filter(|group| {
                    query
                        .updated_after
                        .is_none_or(|after| group.updated_at > after)
                })
                .map(|group| {
                    (
                        group.seq,
                        group.to_json(&contents.members_of(group), query.include_detail),
                    )
                })
                .collect::<Vec<_>>()
        })
        .map_err(|error| api_error(error, organization_id))?;
    let total = items.len();
    let (groups, next, prev) = query.page(items)?;
    Ok(
        json!({"groups": groups, "total_size": total, "next_page_token": next, "prev_page_token": prev}),
    )
}

/// `GET .../directories/{directory_id}/users`.
pub(crate) async fn list_directory_users(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (organization_id, directory_id) = path_params(path)?;
    let query = MemberQuery::from_query(query.as_deref())?;
    Ok(Json(list_users(&state, &organization_id, &directory_id, &query)?).into_response())
}

/// `GET .../directories/{directory_id}/groups`.
pub(crate) async fn list_directory_groups(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (organization_id, directory_id) = path_params(path)?;
    let query = MemberQuery::from_query(query.as_deref())?;
    Ok(Json(list_groups(
        &state,
        &organization_id,
        &directory_id,
        &query,
    )?)
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_forward_and_back() {
        let query = MemberQuery {
            page_size: Some(2),
            ..MemberQuery::default()
        };
        let items: Vec<(u64, u64)> = (1..=5).map(|n| (n * 10, n)).collect();
        let (page, next, prev) = query.page(items.clone()).unwrap();
        assert_eq!((page, prev.as_str()), (vec![1, 2], ""));
        let query = MemberQuery {
            page_token: Some(next),
            ..query
        };
        let (page, next, prev) = query.page(items.clone()).unwrap();
        assert_eq!((page, prev.as_str()), (vec![3, 4], "pt_0"));
        let query = MemberQuery {
            page_token: Some(next),
            ..query
        };
        let (page, next, prev) = query.page(items.clone()).unwrap();
        assert_eq!((page, next.as_str(), prev.as_str()), (vec![5], "", "pt_20"));
        let bad = MemberQuery {
            page_token: Some("nope".into()),
            ..query
        };
        assert!(bad.page(items).is_err());
        assert!(MemberQuery::from_query(Some("page_size=31")).is_err());
        assert!(MemberQuery::from_query(Some("updated_after=yesterday")).is_err());
    }
}
