//! `scalekit-portal-link`: mint a one-time admin-portal link for onboarding,
//! and `doctor`, which checks a deployment for the reasons an embedded
//! portal stays blank.
//!
//! ```text
//! scalekit-portal-link org_59615193906282635 --feature sso --feature dir_sync
//! scalekit-portal-link --external-id tenant-42 --json
//! scalekit-portal-link doctor org_59615193906282635 --app-origin https://app.example.com
//! ```
//!
//! Reads `SCALEKIT_ENVIRONMENT_URL`, `SCALEKIT_CLIENT_ID` and
//! `SCALEKIT_CLIENT_SECRET` (and, for `doctor`, `SCALEKIT_WEBHOOK_SECRET`)
//! from the environment, or from `.env` in the current directory for the
//! ones the environment does not set.

mod doctor;
mod mint;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for wrong usage or configuration.
const USAGE_ERROR: u8 = 2;

/// Mints a single-use Scalekit admin-portal link, for an IT admin to
/// configure SSO or SCIM. The link works once and must be opened within a
/// minute.
///
/// Credentials come from SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and
/// SCALEKIT_CLIENT_SECRET: the environment, or ./.env (current directory
/// only; the environment wins).
///
/// Exit status: 0 success, 1 Scalekit refused or a doctor check failed,
/// 2 wrong usage or configuration.
#[derive(Debug, Parser)]
#[command(
    name = "scalekit-portal-link",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    mint: mint::MintArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks a deployment: credentials, token, link, the portal's
    /// frame-ancestors, the custom domain, the app page's CSP, the webhook
    /// secret and endpoint, the clock. Prints each verdict and its fix.
    Doctor(doctor::DoctorArgs),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Only `./.env`, never a parent directory's, and never over a variable
    // the environment already sets (dotenvy's `from_path` keeps those).
    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        eprintln!("warning: .env is not readable, ignoring it: {err}");
    }
    match cli.command {
        Some(Command::Doctor(args)) => doctor::run(args).await,
        None => mint::run(cli.mint).await,
    }
}
