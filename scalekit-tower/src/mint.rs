//! The gate every portal endpoint passes, and minting behind it.
//!
//! [`Gate::admit`] runs, under one deadline: authorize (the app's decision,
//! before any upstream call, so a refused user costs nothing upstream, not
//! even an external-id lookup), resolve the organization, take one mint from
//! the limits. [`Gate::mint`] then mints the link within the same deadline.
//! The layer and the refresh endpoint both mint through it; an endpoint that
//! reads instead of minting calls `admit` alone.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::request::Parts;
use tokio::time::Instant;

use crate::authorize::{AuthorizeStep, DecisionFuture};
use crate::client::Client;
use crate::failure::PortalLinkFailure;
use crate::hook::HookError;
use crate::limit::MintLimit;
use crate::link::Feature;
use crate::organization_id::OrganizationId;
use crate::origin::AppOrigin;
use crate::outcome::PortalLinkOutcome;
use crate::resolve::OrganizationResolver;

pub(crate) type MintFuture = Pin<Box<dyn Future<Output = PortalLinkOutcome> + Send>>;

/// Who may open the portal for which organization, and how often.
#[derive(Clone)]
pub(crate) struct Gate<R> {
    pub(crate) client: Client,
    pub(crate) resolver: R,
    pub(crate) authorizer: AuthorizeStep,
    pub(crate) limit: MintLimit,
    pub(crate) features: Arc<[Feature]>,
    /// The app's origin for the browser endpoints' same-origin check.
    pub(crate) app_origin: Option<AppOrigin>,
}

/// A request the gate let through: its organization and its deadline.
pub(crate) struct Admitted {
    pub(crate) organization: OrganizationId,
    pub(crate) deadline: Instant,
}

impl<R: OrganizationResolver> Gate<R> {
    /// A gate with no authorization step and no limit.
    pub(crate) fn open(client: Client, resolver: R) -> Self {
        Self {
            client,
            resolver,
            authorizer: AuthorizeStep::default(),
            limit: MintLimit::unlimited(),
            features: Arc::from([]),
            app_origin: None,
        }
    }

    /// Authorizes, resolves and takes from the limits; `Err` is the outcome
    /// to answer instead (refused, no organization, limited, failed).
    pub(crate) fn admit(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Admitted, PortalLinkOutcome>> + Send + 'static {
        self.admission(parts).run()
    }

    /// What admitting `parts` needs, read from the request now.
    fn admission(&self, parts: &Parts) -> Admission<R::Future> {
        // The futures own what they need. The resolver's future is only
        // polled once the request is authorized, so a refused request costs
        // no lookup.
        Admission {
            authorizing: self.authorizer.decide(parts),
            resolving: self.resolver.resolve(parts),
            user: self.limit.user_key(parts),
            limit: self.limit.clone(),
            timeout: self.client.config().timeout(),
        }
    }

    /// Admits the request, then mints a link for its organization.
    pub(crate) fn mint(&self, parts: &Parts) -> MintFuture {
        let admission = self.admission(parts);
        let client = self.client.clone();
        let features = self.features.clone();
        Box::pin(async move {
            // The admission runs in a temporary future, so its state and the
            // mint's share memory instead of adding up (as an `admit` future
            // captured here, the boxed future was 2.8 kB).
            let outcome = match admission.run().await {
                Err(outcome) => outcome,
                Ok(admitted) => mint_admitted(&client, &features, admitted).await,
            };
            if let PortalLinkOutcome::Failed(failure) = &outcome {
                log_failure(failure, "no portal link for this request");
            }
            outcome
        })
    }
}

/// A request's admission before it runs: its authorization and resolution
/// futures, its user's limit key, the limits and the deadline's length.
struct Admission<F> {
    authorizing: Option<DecisionFuture>,
    resolving: F,
    user: Option<String>,
    limit: MintLimit,
    timeout: Duration,
}

impl<F> Admission<F>
where
    F: Future<Output = Result<Option<OrganizationId>, HookError>> + Send + 'static,
{
    async fn run(self) -> Result<Admitted, PortalLinkOutcome> {
        let Self {
            authorizing,
            resolving,
            user,
            limit,
            timeout,
        } = self;
        let failed = |failure| Err(PortalLinkOutcome::Failed(Arc::new(failure)));
        // Authorizing and resolving share the client's deadline, so neither
        // a stuck session store nor a resolver that calls Scalekit itself
        // (the external-id lookup) can stretch the request past it; the mint
        // keeps the same deadline.
        let deadline = Instant::now() + timeout;
        if let Some(authorizing) = authorizing {
            let allowed = tokio::time::timeout_at(deadline, authorizing)
                .await
                .unwrap_or_else(|_| {
                    Err(HookError::new(format!(
                        "the authorization check did not answer within {timeout:?}"
                    )))
                });
            match allowed {
                Ok(true) => {}
                Ok(false) => return failed(PortalLinkFailure::Refused),
                Err(err) => return failed(PortalLinkFailure::Authorizer(err)),
            }
        }
        let resolved = tokio::time::timeout_at(deadline, resolving)
            .await
            .unwrap_or_else(|_| {
                Err(HookError::new(format!(
                    "the organization resolver did not answer within {timeout:?}"
                )))
            });
        let organization = match resolved {
            Err(err) => return failed(PortalLinkFailure::Resolver(err)),
            Ok(None) => return Err(PortalLinkOutcome::NoOrganization),
            Ok(Some(organization)) => organization,
        };
        if let Err((scope, retry_after)) = limit.take(user.as_deref(), &organization).await {
            return failed(PortalLinkFailure::Limited { scope, retry_after });
        }
        Ok(Admitted {
            organization,
            deadline,
        })
    }
}

/// Mints a link for a request the gate admitted, within its deadline (the
/// client keeps the same deadline itself: one timer, not two).
pub(crate) async fn mint_admitted(
    client: &Client,
    features: &[Feature],
    admitted: Admitted,
) -> PortalLinkOutcome {
    match client
        .generate_portal_link_until(&admitted.organization, features, admitted.deadline)
        .await
    {
        Ok(link) => PortalLinkOutcome::Minted(link),
        Err(err) => PortalLinkOutcome::Failed(Arc::new(PortalLinkFailure::Scalekit(err))),
    }
}

/// Logs why a request got nothing: the app's refusal at info (its own
/// decision, not a fault), anything else at warn with `what`.
pub(crate) fn log_failure(failure: &PortalLinkFailure, what: &'static str) {
    let kind = failure.kind().code();
    if matches!(failure, PortalLinkFailure::Refused) {
        tracing::info!(kind, "portal refused by the app's authorization");
    } else {
        tracing::warn!(error = %failure, kind, "{what}");
    }
}
