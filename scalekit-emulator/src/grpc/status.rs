//! API errors as gRPC statuses: the REST error's code and message, with a
//! `google.rpc.Status` holding Scalekit's `ErrorInfo` as its detail (tonic
//! sends it base64-encoded in `grpc-status-details-bin`).

use prost::Message;
use tonic::metadata::MetadataValue;

use crate::api::errors::{ApiError, ERROR_INFO_TYPE, grpc_code};
use crate::grpc::proto::google::rpc::Status as RpcStatus;
use crate::grpc::proto::scalekit::v1::errdetails::ErrorInfo;

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        let (code, error_code) = grpc_code(error.status());
        let details = RpcStatus {
            code: i32::from(code),
            message: error.message().to_owned(),
            details: vec![prost_types::Any {
                type_url: ERROR_INFO_TYPE.to_owned(),
                value: ErrorInfo {
                    error_code: error_code.to_owned(),
                }
                .encode_to_vec(),
            }],
        };
        let mut status = tonic::Status::with_details(
            tonic::Code::from(i32::from(code)),
            error.message(),
            details.encode_to_vec().into(),
        );
        if let Some(seconds) = error.retry_after() {
            status
                .metadata_mut()
                .insert("retry-after", MetadataValue::from(seconds));
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_code_message_and_error_info() {
        let status = tonic::Status::from(ApiError::organization_not_found("org_1"));
        assert_eq!(status.code(), tonic::Code::NotFound);
        assert_eq!(status.message(), "organization org_1 not found");
        let details = RpcStatus::decode(status.details()).unwrap();
        assert_eq!(details.code, 5);
        assert_eq!(details.details[0].type_url, ERROR_INFO_TYPE);
        let info = ErrorInfo::decode(details.details[0].value.as_slice()).unwrap();
        assert_eq!(info.error_code, "NOT_FOUND");
    }
}
