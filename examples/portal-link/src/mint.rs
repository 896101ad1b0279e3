//! The default command: mint one link and print it.

use std::process::ExitCode;

use clap::{ArgGroup, Args};
use scalekit_tower::{Client, Error, Feature, OrganizationId, PortalLink};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::USAGE_ERROR;

/// What to mint a link for.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("organization_or_external_id")
        .args(["organization", "external_id"])
        .required(true)
))]
pub(crate) struct MintArgs {
    /// The organization (org_...).
    #[arg(value_name = "ORGANIZATION_ID")]
    organization: Option<String>,
    /// Find the organization by your app's own tenant id.
    #[arg(long, value_name = "YOUR_TENANT_ID")]
    external_id: Option<String>,
    /// Portal section to open: sso, dir_sync, ... (repeatable).
    #[arg(long = "feature", value_name = "NAME")]
    features: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The organization named by an id or an external id.
pub(crate) async fn organization(
    client: &Client,
    id: Option<&str>,
    external_id: Option<&str>,
) -> Result<OrganizationId, Error> {
    match (id, external_id) {
        (Some(id), _) => Ok(OrganizationId::new(id)?),
        (None, Some(external)) => Ok(client.get_organization_by_external_id(external).await?.id),
        (None, None) => Err(Error::InvalidArgument {
            message: "give an organization id (org_...) or --external-id".into(),
            api: None,
        }),
    }
}

async fn mint(args: &MintArgs) -> Result<(OrganizationId, PortalLink), Error> {
    let client = Client::from_env()?;
    let organization = organization(
        &client,
        args.organization.as_deref(),
        args.external_id.as_deref(),
    )
    .await?;
    let features: Vec<Feature> = args
        .features
        .iter()
        .map(|name| Feature::from(name.as_str()))
        .collect();
    let link = client
        .generate_portal_link(&organization, &features)
        .await?;
    Ok((organization, link))
}

fn print(organization: &OrganizationId, link: &PortalLink, json: bool) {
    let expires_at = link.expires_at().format(&Rfc3339).unwrap_or_default();
    if json {
        let value = serde_json::json!({
            "organization_id": organization.as_str(),
            "location": link.location().as_str(),
            "expires_at": expires_at,
            "single_use": true,
        });
        println!("{value}");
        return;
    }
    let seconds = (link.expires_at() - OffsetDateTime::now_utc())
        .whole_seconds()
        .max(0);
    println!("Admin portal link for {organization}:");
    println!();
    println!("  {}", link.location());
    println!();
    println!("Expires {expires_at} (in {seconds} s) unless opened.");
    println!("It is single-use: it must be opened within a minute, and only once.");
    println!("Opening it starts a portal session of up to 6 hours.");
}

/// The message and exit code for `err`.
pub(crate) fn explain(err: &Error) -> (String, u8) {
    let code = match err {
        Error::Config(_) | Error::InvalidArgument { .. } => USAGE_ERROR,
        _ => 1,
    };
    let message = match err {
        Error::OrganizationNotFound { .. } => format!(
            "{err}\nhint: list your organizations in the Scalekit dashboard, or use --external-id"
        ),
        _ => err.to_string(),
    };
    (message, code)
}

/// Mints and prints a link.
pub(crate) async fn run(args: MintArgs) -> ExitCode {
    match mint(&args).await {
        Ok((organization, link)) => {
            print(&organization, &link, args.json);
            ExitCode::SUCCESS
        }
        Err(err) => {
            let (message, code) = explain(&err);
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}
