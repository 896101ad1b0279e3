//! Resolve the organization, then mint a link: the work the layer and the
//! refresh endpoint share, so both apply the same authorization.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

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
            // A resolver gets the client's deadline too, so a stuck session
            // store cannot hang the request.
            let deadline = client.config().timeout();
            let resolved = match tokio::time::timeout(deadline, resolving).await {
                Ok(resolved) => resolved,
                Err(_) => Err(ResolveError::new(format!(
                    "the organization resolver did not answer within {deadline:?}"
                ))),
            };
            let outcome = match resolved {
                Err(err) => PortalLinkOutcome::Failed(Arc::new(PortalLinkFailure::Resolver(err))),
                Ok(None) => PortalLinkOutcome::NoOrganization,
                Ok(Some(org)) => match client.generate_portal_link(&org, &features).await {
                    Ok(link) => PortalLinkOutcome::Minted(link),
                    Err(err) => {
                        PortalLinkOutcome::Failed(Arc::new(PortalLinkFailure::Scalekit(err)))
                    }
                },
            };
            if let PortalLinkOutcome::Failed(failure) = &outcome {
                tracing::warn!(error = %failure, "no portal link for this request");
            }
            outcome
        })
    }
}
