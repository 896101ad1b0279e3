//! `DirectoryService/ListDirectories`: the directory status read.

use tonic::{Request, Response, Status};

use crate::api::directories;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::directories::{
    ListDirectoriesRequest, ListDirectoriesResponse, directory_service_server::DirectoryService,
};
use crate::state::AppState;

/// `DirectoryService`'s full name.
pub(super) const DIRECTORIES: &str = "scalekit.v1.directories.DirectoryService";

/// The service over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct StatusReads(pub(super) AppState);

#[tonic::async_trait]
impl DirectoryService for StatusReads {
    async fn list_directories(
        &self,
        request: Request<ListDirectoriesRequest>,
    ) -> Result<Response<ListDirectoriesResponse>, Status> {
        let directories = directories::list(&self.0, &request.into_inner().organization_id)?;
        Ok(Response::new(ListDirectoriesResponse {
            directories: directories.iter().map(convert::directory).collect(),
        }))
    }
}
