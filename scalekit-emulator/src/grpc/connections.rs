//! `scalekit.v1.connections.ConnectionService`: list the SSO connections,
//! create and delete an organization's, list the (absent) app connections.

use tonic::{Request, Response, Status};

use crate::api::connections;
use crate::grpc::convert;
use crate::grpc::proto::scalekit::v1::connections::{
    ConnectionProvider, ConnectionType, CreateConnectionRequest, CreateConnectionResponse,
    DeleteConnectionRequest, ListAppConnectionsRequest, ListAppConnectionsResponse,
    ListConnectionsRequest, ListConnectionsResponse, connection_service_server::ConnectionService,
};
use crate::state::AppState;

/// The service's full name.
pub(super) const SERVICE: &str = "scalekit.v1.connections.ConnectionService";

/// The service over the emulator's state.
#[derive(Debug, Clone)]
pub(super) struct Connections(pub(super) AppState);

#[tonic::async_trait]
impl ConnectionService for Connections {
    async fn list_connections(
        &self,
        request: Request<ListConnectionsRequest>,
    ) -> Result<Response<ListConnectionsResponse>, Status> {
        let request = request.into_inner();
        let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        let connections = connections::list(
            &self.0,
            non_empty(&request.organization_id).as_deref(),
            non_empty(&request.domain).as_deref(),
            non_empty(&request.include).as_deref(),
        )?;
        Ok(Response::new(ListConnectionsResponse {
            connections: connections.iter().map(convert::connection).collect(),
        }))
    }

    async fn create_connection(
        &self,
        request: Request<CreateConnectionRequest>,
    ) -> Result<Response<CreateConnectionResponse>, Status> {
        let request = request.into_inner();
        let new = request.connection.unwrap_or_default();
        let connection_type = ConnectionType::try_from(new.r#type)
            .ok()
            .filter(|kind| *kind != ConnectionType::Invalid)
            .map(|kind| kind.as_str_name());
        let provider = ConnectionProvider::try_from(new.provider)
            .ok()
            .filter(|provider| *provider != ConnectionProvider::Unspecified)
            .map(|provider| provider.as_str_name());
        let connection =
            connections::create(&self.0, &request.organization_id, connection_type, provider)?;
        Ok(Response::new(CreateConnectionResponse {
            connection: Some(convert::connection_detail(&connection)),
        }))
    }

    async fn delete_connection(
        &self,
        request: Request<DeleteConnectionRequest>,
    ) -> Result<Response<()>, Status> {
        let request = request.into_inner();
        connections::delete(&self.0, &request.organization_id, &request.id)?;
        Ok(Response::new(()))
    }

    async fn list_app_connections(
        &self,
        request: Request<ListAppConnectionsRequest>,
    ) -> Result<Response<ListAppConnectionsResponse>, Status> {
        let connections = connections::list_app(Some(&request.get_ref().page_token))?;
        Ok(Response::new(ListAppConnectionsResponse {
            total_size: u32::try_from(connections.len()).unwrap_or(u32::MAX),
            connections: connections.iter().map(convert::connection).collect(),
            next_page_token: String::new(),
            prev_page_token: String::new(),
        }))
    }
}
