//! Resolve the organization, then mint a link: the work the layer and the
//! refresh endpoint share, so both apply the same authorization.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;
use tokio::time::Instant;

use crate::client::Client;
use crate::link::Feature;
use crate::outcome::{PortalLinkFailure, PortalLinkOutcome};
use crate::resolve::{OrganizationResolver, ResolveError};

pub(crate) type MintFuture = Pin<Box<dyn Future<Output = PortalLinkOutcome> + Send>>;

#[derive(Clone)]
pub(crate) struct Minter<R> {
    pub(crate) client: Client,
    pub(crate) resolver: R,
    pub(crate) features: Arc<[Feature]>,
}

impl<R: OrganizationResolver> Minter<R> {
    pub(crate) fn mint(&self, parts: &Parts) -> MintFuture {
        let resolving = self.resolver.resolve(parts);
        let client = self.client.clone();
        let features = self.features.clone();
        Box::pin(async move {
            // Resolving and minting share the client's deadline, so neither a
            // stuck session store nor a resolver that calls Scalekit itself
            // (the external-id lookup) can stretch the request past it.
            let timeout = client.config().timeout();
            let deadline = Instant::now() + timeout;
            let resolved = match tokio::time::timeout_at(deadline, resolving).await {
                Ok(resolved) => resolved,
                Err(_) => Err(ResolveError::new(format!(
                    "the organization resolver did not answer within {timeout:?}"
                ))),
            };
            let failed = |err| PortalLinkOutcome::Failed(Arc::new(err));
            let outcome = match resolved {
                Err(err) => failed(PortalLinkFailure::Resolver(err)),
                Ok(None) => PortalLinkOutcome::NoOrganization,
                // The client keeps the same deadline itself (one timer, not two).
                Ok(Some(org)) => match client
                    .generate_portal_link_until(&org, &features, deadline)
                    .await
                {
                    Ok(link) => PortalLinkOutcome::Minted(link),
                    Err(err) => failed(PortalLinkFailure::Scalekit(err)),
                },
            };
            if let PortalLinkOutcome::Failed(failure) = &outcome {
                tracing::warn!(error = %failure, "no portal link for this request");
            }
            outcome
        })
    }
}
