//! `scalekit-portal-link`: mint a one-time admin-portal link for onboarding.
//!
//! ```text
//! scalekit-portal-link org_59615193906282635 --feature sso --feature dir_sync
//! scalekit-portal-link --external-id tenant-42 --json
//! ```
//!
//! Reads `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID` and
//! `SCALEKIT_CLIENT_SECRET` from the environment, or from `.env` in the
//! current directory for the ones the environment does not set.

use std::process::ExitCode;

use scalekit_tower::{Client, Error, Feature, OrganizationId, PortalLink};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const USAGE: &str = "\
Usage: scalekit-portal-link <ORGANIZATION_ID> [OPTIONS]
       scalekit-portal-link --external-id <YOUR_TENANT_ID> [OPTIONS]

Mints a single-use Scalekit admin-portal link, for an IT admin to configure
SSO or SCIM. The link works once and must be opened within a minute.

Options:
  --external-id ID   find the organization by your app's own tenant id
  --feature NAME     portal section to open: sso, dir_sync, ... (repeatable)
  --json             print JSON instead of text
  -h, --help         show this help

Credentials come from SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and
SCALEKIT_CLIENT_SECRET: the environment, or ./.env (current directory only;
the environment wins).
";

/// Exit code for wrong usage or configuration.
const USAGE_ERROR: u8 = 2;

#[derive(Debug, Default)]
struct Args {
    organization: Option<String>,
    external_id: Option<String>,
    features: Vec<Feature>,
    json: bool,
}

fn parse(mut raw: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args::default();
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => args.json = true,
            "--feature" => {
                let name = raw
                    .next()
                    .ok_or("--feature needs a name, e.g. --feature sso")?;
                args.features.push(Feature::from(name.as_str()));
            }
            "--external-id" => {
                args.external_id = Some(raw.next().ok_or("--external-id needs your tenant id")?);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if args.organization.is_some() => {
                return Err(format!(
                    "unexpected argument {arg:?}: give one organization id"
                ));
            }
            _ => args.organization = Some(arg),
        }
    }
    match (&args.organization, &args.external_id) {
        (None, None) => Err("give an organization id (org_...) or --external-id".into()),
        (Some(_), Some(_)) => Err("give an organization id or --external-id, not both".into()),
        _ => Ok(Some(args)),
    }
}

async fn mint(args: &Args) -> Result<(OrganizationId, PortalLink), Error> {
    let client = Client::from_env()?;
    let organization = match (&args.organization, &args.external_id) {
        (Some(id), _) => OrganizationId::new(id.as_str())?,
        (None, Some(external)) => client.get_organization_by_external_id(external).await?.id,
        (None, None) => unreachable!("parse() requires one of them"),
    };
    let link = client
        .generate_portal_link(&organization, &args.features)
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

fn explain(err: &Error) -> (String, u8) {
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    // Only `./.env`, never a parent directory's, and never over a variable
    // the environment already sets (dotenvy's `from_path` keeps those).
    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        eprintln!("warning: .env is not readable, ignoring it: {err}");
    }
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
