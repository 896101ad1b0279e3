//! `DirectoryService`: create, list and get an organization's directory (with its
//! counts, sync times, SCIM endpoint and secret hints), enable/disable it,
//! create or regenerate its SCIM secret, and page through its users and
//! groups. Each call does what its REST twin does (`crate::api::directories`
//! and `crate::api::directory_members`); the answers are the REST JSON
//! carried over into the messages.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tonic::{Request, Response, Status};

use crate::api::directories::{self, directory_json};
use crate::api::directory_members::{MemberQuery, list_groups, list_users};
use crate::api::errors::ApiError;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::directories as pb;
use crate::grpc::proto::scalekit::v1::directories::directory_service_server::DirectoryService;
use crate::state::AppState;

/// `DirectoryService`'s full name.
pub(super) const SERVICE: &str = "scalekit.v1.directories.DirectoryService";

/// The service over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct Directories(pub(super) AppState);

fn time(value: &Value) -> Option<prost_types::Timestamp> {
    let at = OffsetDateTime::parse(value.as_str()?, &Rfc3339).ok()?;
    Some(convert::timestamp(at))
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn int(value: &Value) -> i32 {
    value
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0)
}

/// A JSON value as a protobuf `Value`.
fn proto_value(value: &Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match value {
        Value::Null => Kind::NullValue(0),
        Value::Bool(flag) => Kind::BoolValue(*flag),
        Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or(0.0)),
        Value::String(text) => Kind::StringValue(text.clone()),
        Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(proto_value).collect(),
        }),
        Value::Object(_) => Kind::StructValue(proto_struct(value).unwrap_or_default()),
    };
    prost_types::Value { kind: Some(kind) }
}

/// A JSON object as a protobuf `Struct`.
fn proto_struct(value: &Value) -> Option<prost_types::Struct> {
    Some(prost_types::Struct {
        fields: value
            .as_object()?
            .iter()
            .map(|(key, value)| (key.clone(), proto_value(value)))
            .collect(),
    })
}

fn secret(json: &Value) -> pb::Secret {
    pb::Secret {
        id: text(&json["id"]),
        create_time: time(&json["create_time"]),
        secret_suffix: text(&json["secret_suffix"]),
        status: pb::SecretStatus::Active.into(),
        last_used_time: time(&json["last_used_time"]),
        directory_id: text(&json["directory_id"]),
        ..Default::default()
    }
}

/// The directory with what the REST answer adds to the record.
fn directory(state: &AppState, record: &crate::store::directories::Directory) -> pb::Directory {
    let json = directory_json(state, record);
    let stats = &json["stats"];
    pb::Directory {
        directory_endpoint: text(&json["directory_endpoint"]),
        total_users: int(&json["total_users"]),
        total_groups: int(&json["total_groups"]),
        last_synced_at: time(&json["last_synced_at"]),
        secrets: json["secrets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(secret)
            .collect(),
        stats: Some(pb::Stats {
            total_users: int(&stats["total_users"]),
            total_groups: int(&stats["total_groups"]),
            group_updated_at: time(&stats["group_updated_at"]),
            user_updated_at: time(&stats["user_updated_at"]),
        }),
        ..convert::directory(record)
    }
}

fn group(json: &Value) -> pb::DirectoryGroup {
    pb::DirectoryGroup {
        id: text(&json["id"]),
        display_name: text(&json["display_name"]),
        total_users: int(&json["total_users"]),
        updated_at: time(&json["updated_at"]),
        group_detail: proto_struct(&json["group_detail"]),
    }
}

fn user(json: &Value) -> pb::DirectoryUser {
    pb::DirectoryUser {
        id: text(&json["id"]),
        email: text(&json["email"]),
        preferred_username: text(&json["preferred_username"]),
        given_name: text(&json["given_name"]),
        family_name: text(&json["family_name"]),
        updated_at: time(&json["updated_at"]),
        emails: json["emails"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect(),
        groups: json["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(group)
            .collect(),
        user_detail: proto_struct(&json["user_detail"]),
    }
}

fn page(json: &Value) -> (u32, String, String) {
    (
        u32::try_from(json["total_size"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        text(&json["next_page_token"]),
        text(&json["prev_page_token"]),
    )
}

/// The listing filters of a request.
fn query(
    page_size: u32,
    page_token: String,
    include_detail: Option<bool>,
    directory_group_id: Option<String>,
    updated_after: Option<prost_types::Timestamp>,
) -> Result<MemberQuery, ApiError> {
    let page_size = usize::try_from(page_size).unwrap_or(usize::MAX);
    if page_size > crate::api::directory_members::MAX_PAGE_SIZE {
        return Err(ApiError::invalid_argument(format!(
            "page_size must be between 0 and {}, got {page_size}",
            crate::api::directory_members::MAX_PAGE_SIZE
        )));
    }
    let updated_after = updated_after
        .map(|at| {
            OffsetDateTime::from_unix_timestamp(at.seconds)
                .ok()
                .and_then(|t| {
                    t.replace_nanosecond(u32::try_from(at.nanos).unwrap_or(0))
                        .ok()
                })
                .ok_or_else(|| ApiError::invalid_argument("updated_after is out of range"))
        })
        .transpose()?;
    Ok(MemberQuery {
        page_size: Some(page_size),
        page_token: Some(page_token).filter(|token| !token.is_empty()),
        include_detail: include_detail.unwrap_or(false),
        directory_group_id: directory_group_id.filter(|id| !id.is_empty()),
        updated_after,
    })
}

#[tonic::async_trait]
impl DirectoryService for Directories {
    async fn create_directory(
        &self,
        request: Request<pb::CreateDirectoryRequest>,
    ) -> Result<Response<pb::CreateDirectoryResponse>, Status> {
        let record = directories::create(&self.0, &request.into_inner().organization_id)?;
        Ok(Response::new(pb::CreateDirectoryResponse {
            directory: Some(directory(&self.0, &record)),
        }))
    }

    async fn get_directory(
        &self,
        request: Request<pb::GetDirectoryRequest>,
    ) -> Result<Response<pb::GetDirectoryResponse>, Status> {
        let request = request.into_inner();
        let record = directories::get(&self.0, &request.organization_id, &request.id)?;
        Ok(Response::new(pb::GetDirectoryResponse {
            directory: Some(directory(&self.0, &record)),
        }))
    }

    async fn list_directories(
        &self,
        request: Request<pb::ListDirectoriesRequest>,
    ) -> Result<Response<pb::ListDirectoriesResponse>, Status> {
        let records = directories::list(&self.0, &request.into_inner().organization_id)?;
        Ok(Response::new(pb::ListDirectoriesResponse {
            directories: records.iter().map(|d| directory(&self.0, d)).collect(),
        }))
    }

    async fn enable_directory(
        &self,
        request: Request<pb::ToggleDirectoryRequest>,
    ) -> Result<Response<pb::ToggleDirectoryResponse>, Status> {
        let request = request.into_inner();
        let enabled = directories::toggle(&self.0, &request.organization_id, &request.id, true)?;
        Ok(Response::new(pb::ToggleDirectoryResponse {
            enabled,
            error_message: None,
        }))
    }

    async fn disable_directory(
        &self,
        request: Request<pb::ToggleDirectoryRequest>,
    ) -> Result<Response<pb::ToggleDirectoryResponse>, Status> {
        let request = request.into_inner();
        let enabled = directories::toggle(&self.0, &request.organization_id, &request.id, false)?;
        Ok(Response::new(pb::ToggleDirectoryResponse {
            enabled,
            error_message: None,
        }))
    }

    async fn list_directory_users(
        &self,
        request: Request<pb::ListDirectoryUsersRequest>,
    ) -> Result<Response<pb::ListDirectoryUsersResponse>, Status> {
        let r = request.into_inner();
        let query = query(
            r.page_size,
            r.page_token,
            r.include_detail,
            r.directory_group_id,
            r.updated_after,
        )?;
        let json = list_users(&self.0, &r.organization_id, &r.directory_id, &query)?;
        let (total_size, next_page_token, prev_page_token) = page(&json);
        Ok(Response::new(pb::ListDirectoryUsersResponse {
            users: json["users"]
                .as_array()
                .into_iter()
                .flatten()
                .map(user)
                .collect(),
            total_size,
            next_page_token,
            prev_page_token,
        }))
    }

    async fn list_directory_groups(
        &self,
        request: Request<pb::ListDirectoryGroupsRequest>,
    ) -> Result<Response<pb::ListDirectoryGroupsResponse>, Status> {
        let r = request.into_inner();
        let query = query(
            r.page_size,
            r.page_token,
            r.include_detail,
            None,
            r.updated_after,
        )?;
        let json = list_groups(&self.0, &r.organization_id, &r.directory_id, &query)?;
        let (total_size, next_page_token, prev_page_token) = page(&json);
        Ok(Response::new(pb::ListDirectoryGroupsResponse {
            groups: json["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .map(group)
                .collect(),
            total_size,
            next_page_token,
            prev_page_token,
        }))
    }

    async fn create_directory_secret(
        &self,
        request: Request<pb::CreateDirectorySecretRequest>,
    ) -> Result<Response<pb::CreateDirectorySecretResponse>, Status> {
        let r = request.into_inner();
        let json = directories::new_secret(&self.0, &r.organization_id, &r.directory_id)?;
        Ok(Response::new(pb::CreateDirectorySecretResponse {
            plain_secret: text(&json["plain_secret"]),
            secret: Some(secret(&json["secret"])),
        }))
    }

    async fn regenerate_directory_secret(
        &self,
        request: Request<pb::RegenerateDirectorySecretRequest>,
    ) -> Result<Response<pb::RegenerateDirectorySecretResponse>, Status> {
        let r = request.into_inner();
        let json = directories::new_secret(&self.0, &r.organization_id, &r.directory_id)?;
        Ok(Response::new(pb::RegenerateDirectorySecretResponse {
            plain_secret: text(&json["plain_secret"]),
            secret: Some(secret(&json["secret"])),
        }))
    }
}
