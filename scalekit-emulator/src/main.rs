//! `scalekit-emulator`: run a local Scalekit until Ctrl-C or SIGTERM.
//!
//! ```text
//! scalekit-emulator [--port N] [--allow-origin ORIGIN]... [--legacy-events]
//!                   [--client-id ID] [--client-secret SECRET] [--no-demo-organizations]
//!                   [--token-lifetime SECS] [--link-lifetime SECS]
//!                   [--session-lifetime SECS] [--warning-before SECS]
//!                   [--domain-verification verified|failed]
//!                   [--webhook-url URL]... [--webhook-secret whsec_...]
//!                   [--webhook-retry-scale FACTOR] [--tls]
//! scalekit-emulator idp push --organization org_... [--users N] [--groups N]
//!                   [--directory dir_... --token SECRET] [--url URL]
//! ```
//!
//! The client id and secret and the webhook secret can also come from
//! `SCALEKIT_EMULATOR_CLIENT_ID`, `SCALEKIT_EMULATOR_CLIENT_SECRET` and
//! `SCALEKIT_EMULATOR_WEBHOOK_SECRET` (kept out of `ps`).
//!
//! Prints the `SCALEKIT_*` lines to export on standard output; logs go to
//! standard error (`RUST_LOG` filters them), coloured only on a terminal.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use scalekit_emulator::{Emulator, EmulatorBuilder, VerificationOutcome, demo};

mod idp;

/// Runs a local Scalekit (token endpoint, REST API, admin portal) on 127.0.0.1.
#[derive(Parser)]
#[command(name = "scalekit-emulator", version)]
struct Args {
    /// Instead of serving, play another part against a running emulator.
    #[command(subcommand)]
    part: Option<Part>,

    /// Port to listen on (0 picks a free port; an empty PORT counts as unset).
    #[arg(long, env = "PORT", default_value = "8787", value_name = "N", value_parser = port)]
    port: u16,

    /// Parent origin allowed to embed the portal, e.g. http://127.0.0.1:3000 (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,

    /// Post the older `type` event vocabulary (SSO_CONFIGURED, SCIM_CONFIGURED, SESSION_EXPIRED).
    #[arg(long)]
    legacy_events: bool,

    /// Client id to accept (default: random skc_...).
    #[arg(long, env = "SCALEKIT_EMULATOR_CLIENT_ID", value_name = "ID")]
    client_id: Option<String>,

    /// Client secret to accept (default: random).
    #[arg(
        long,
        env = "SCALEKIT_EMULATOR_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    client_secret: Option<String>,

    /// Start without the demo organizations.
    #[arg(long)]
    no_demo_organizations: bool,

    /// Access-token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value = "86399", value_parser = seconds)]
    token_lifetime: Duration,

    /// Lifetime of an unused portal link in seconds.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = seconds)]
    link_lifetime: Duration,

    /// Portal session length in seconds.
    #[arg(long, value_name = "SECS", default_value = "21600", value_parser = seconds)]
    session_lifetime: Duration,

    /// How long before the session ends PORTAL_SESSION_WARNING is posted, in seconds.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = seconds)]
    warning_before: Duration,

    /// What the portal's domain "verify" button finds.
    #[arg(long, value_enum, value_name = "OUTCOME", default_value_t = DomainVerification::Verified)]
    domain_verification: DomainVerification,

    /// App endpoint to POST signed webhooks to, e.g. http://127.0.0.1:3000/webhooks/scalekit (repeatable).
    #[arg(long = "webhook-url", value_name = "URL")]
    webhook_urls: Vec<String>,

    /// Webhook signing secret, whsec_ followed by base64 (default: random; printed as SCALEKIT_WEBHOOK_SECRET).
    #[arg(
        long,
        env = "SCALEKIT_EMULATOR_WEBHOOK_SECRET",
        value_name = "whsec_...",
        hide_env_values = true
    )]
    webhook_secret: Option<String>,

    /// Multiplies the webhook retry waits (5 s, 30 s, 2 min, 5 min, 15 min); 0.01 retries 100 times sooner.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    webhook_retry_scale: f64,

    /// Show a clock this many seconds ahead (negative: behind) in every `Date` header, to test a client's clock check.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    clock_skew: i64,

    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with a certificate from a CA made at start; prints SCALEKIT_CA_FILE, the CA to trust.
    #[arg(long)]
    tls: bool,
}

/// The parts other than the server.
#[derive(Subcommand)]
enum Part {
    /// Play a customer's identity provider (SCIM directory sync).
    Idp {
        /// What to do.
        #[command(subcommand)]
        action: IdpAction,
    },
}

/// `idp` actions.
#[derive(Subcommand)]
enum IdpAction {
    /// Provision users and groups over SCIM into a directory.
    Push(idp::PushArgs),
}

/// `--domain-verification` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DomainVerification {
    /// The TXT record is found: domains become VERIFIED.
    Verified,
    /// The TXT record is not found: domains become FAILED.
    Failed,
}

/// The port used when neither `--port` nor `PORT` gives one.
const DEFAULT_PORT: u16 = 8787;

/// Parses a port number; an empty value (an empty `PORT`) means the default.
fn port(text: &str) -> Result<u16, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_PORT);
    }
    text.parse()
        .map_err(|_| format!("{text:?} is not a port number (0-65535)"))
}

/// Parses a whole number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{text:?} is not a number of seconds"))
}

impl Args {
    /// The builder these arguments describe.
    fn builder(self) -> EmulatorBuilder {
        let mut builder = Emulator::builder()
            .port(self.port)
            .legacy_events(self.legacy_events)
            .tls(self.tls)
            .seed_demo_organizations(!self.no_demo_organizations)
            .token_lifetime(self.token_lifetime)
            .link_lifetime(self.link_lifetime)
            .session_lifetime(self.session_lifetime)
            .session_warning_before(self.warning_before)
            .domain_verification_outcome(match self.domain_verification {
                DomainVerification::Verified => VerificationOutcome::Verified,
                DomainVerification::Failed => VerificationOutcome::Failed,
            })
            .webhook_retry_scale(self.webhook_retry_scale);
        for url in self.webhook_urls {
            builder = builder.webhook_endpoint(url);
        }
        if let Some(secret) = self.webhook_secret {
            builder = builder.webhook_secret(secret);
        }
        for origin in self.allow_origins {
            builder = builder.allowed_parent_origin(origin);
        }
        if let Some(id) = self.client_id {
            builder = builder.client_id(id);
        }
        if let Some(secret) = self.client_secret {
            builder = builder.client_secret(secret);
        }
        builder
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = Args::parse();
    if let Some(Part::Idp {
        action: IdpAction::Push(push),
    }) = args.part.take()
    {
        return match idp::push(push).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("scalekit-emulator idp push: {error}");
                ExitCode::FAILURE
            }
        };
    }
    // Listening before the server starts, so a SIGTERM sent as soon as the
    // `SCALEKIT_*` lines appear still stops it cleanly.
    let stop = StopSignal::listen();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "scalekit_emulator=info".into()),
        )
        .init();

    let clock_skew = args.clock_skew;
    let emu = match args.builder().start().await {
        Ok(emu) => emu,
        Err(err) => {
            eprintln!("scalekit-emulator: {err}");
            return ExitCode::FAILURE;
        }
    };

    if clock_skew != 0 {
        emu.faults().set_clock_skew(clock_skew);
        eprintln!("note: the Date header shows a clock {clock_skew} s off (--clock-skew)");
    }

    // The purpose of the binary: print what to export, secret included.
    println!("SCALEKIT_ENVIRONMENT_URL={}", emu.base_url());
    println!("SCALEKIT_CLIENT_ID={}", emu.client_id());
    println!("SCALEKIT_CLIENT_SECRET={}", emu.client_secret());
    println!("SCALEKIT_WEBHOOK_SECRET={}", emu.webhook_secret());
    if let Some(ca_file) = emu.ca_file() {
        println!("SCALEKIT_CA_FILE={}", ca_file.display());
    }
    let origins = emu.allowed_parent_origins();
    if origins.is_empty() {
        eprintln!("note: no --allow-origin given; browsers will refuse to frame the portal");
    } else {
        eprintln!("portal may be embedded by: {}", origins.join(" "));
    }
    for org in emu.organizations() {
        if demo::ORGANIZATIONS.iter().any(|d| d.id == org.id) {
            eprintln!(
                "demo organization {} ({}), external id {}",
                org.id,
                org.display_name,
                org.external_id.as_deref().unwrap_or("-")
            );
        }
    }
    eprintln!("press Ctrl-C to stop");

    let signal = stop.wait().await;
    eprintln!("{signal}: stopping");
    // Shutting down drops the emulator, and with it the CA's directory.
    emu.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C or, on Unix, SIGTERM (what `kill`, Docker and process managers
/// send).
struct StopSignal {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    /// Starts listening for the signals.
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let terminate = signal(SignalKind::terminate())
                .inspect_err(|err| eprintln!("scalekit-emulator: cannot listen for SIGTERM: {err}"))
                .ok();
            Self { terminate }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the first signal; returns its name.
    async fn wait(self) -> &'static str {
        #[cfg(unix)]
        if let Some(mut terminate) = self.terminate {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = terminate.recv() => "SIGTERM",
            };
        }
        if let Err(err) = tokio::signal::ctrl_c().await {
            eprintln!("scalekit-emulator: cannot wait for Ctrl-C: {err}");
        }
        "Ctrl-C"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("scalekit-emulator").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn parses_flags() {
        let args = parse(&[
            "--port",
            "0",
            "--allow-origin=http://127.0.0.1:3000",
            "--allow-origin",
            "http://localhost:4000",
            "--legacy-events",
            "--domain-verification",
            "failed",
        ])
        .unwrap();
        assert_eq!(args.port, 0);
        assert!(args.legacy_events);
        assert_eq!(args.domain_verification, DomainVerification::Failed);
        let debug = format!("{:?}", args.builder());
        assert!(debug.contains("port: 0"), "{debug}");
        assert!(debug.contains("legacy_events: true"), "{debug}");
        assert!(debug.contains("http://127.0.0.1:3000"), "{debug}");
        assert!(debug.contains("http://localhost:4000"), "{debug}");
        assert!(debug.contains("Failed"), "{debug}");
    }

    #[test]
    fn an_empty_port_means_the_default() {
        assert_eq!(port(""), Ok(DEFAULT_PORT));
        assert_eq!(port(" 4242 "), Ok(4242));
        assert!(port("99999").is_err());
        assert_eq!(parse(&["--port", ""]).unwrap().port, DEFAULT_PORT);
    }

    #[test]
    fn parses_lifetimes() {
        let args = parse(&[
            "--session-lifetime",
            "30",
            "--warning-before=10",
            "--link-lifetime",
            "5",
        ])
        .unwrap();
        let debug = format!("{:?}", args.builder());
        assert!(debug.contains("session_lifetime: 30s"), "{debug}");
        assert!(debug.contains("session_warning_before: 10s"), "{debug}");
        assert!(debug.contains("link_lifetime: 5s"), "{debug}");
        assert!(debug.contains("token_lifetime: 86399s"), "{debug}");
    }

    #[test]
    fn parses_a_clock_skew_either_way() {
        assert_eq!(parse(&[]).unwrap().clock_skew, 0);
        assert_eq!(parse(&["--clock-skew", "-3600"]).unwrap().clock_skew, -3600);
        assert_eq!(parse(&["--clock-skew=600"]).unwrap().clock_skew, 600);
        let error = parse(&["--clock-skew", "soon"]).err().expect("an error");
        assert!(error.to_string().contains("--clock-skew"), "{error}");
    }

    #[test]
    fn reports_bad_input() {
        let message = |args: &[&str]| parse(args).err().expect("an error").to_string();
        assert!(message(&["--port", "x"]).contains("--port"));
        assert!(message(&["--port"]).contains("value is required"));
        assert!(message(&["--bogus"]).contains("--bogus"));
        assert!(message(&["--port", "99999"]).contains("99999"));
        assert!(message(&["--session-lifetime=-1"]).contains("seconds"));
        assert!(message(&["--domain-verification", "maybe"]).contains("maybe"));
    }

    #[test]
    fn help_lists_every_flag() {
        let help = Args::command().render_long_help().to_string();
        for flag in [
            "--port",
            "--allow-origin",
            "--legacy-events",
            "--client-id",
            "--client-secret",
            "--no-demo-organizations",
            "--token-lifetime",
            "--link-lifetime",
            "--session-lifetime",
            "--warning-before",
            "--domain-verification",
            "--webhook-url",
            "--webhook-secret",
            "--webhook-retry-scale",
            "--help",
        ] {
            assert!(help.contains(flag), "{flag} missing from:\n{help}");
        }
    }

    #[test]
    fn secret_is_not_in_debug() {
        let args = parse(&["--client-secret", "hunter2"]).unwrap();
        assert!(!format!("{:?}", args.builder()).contains("hunter2"));
        let webhook_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        let args = parse(&["--webhook-secret", webhook_secret]).unwrap();
        assert!(!format!("{:?}", args.builder()).contains("C2FVsBQ"));
    }

    #[test]
    fn parses_webhook_flags() {
        let args = parse(&[
            "--webhook-url",
            "http://127.0.0.1:3000/webhooks/scalekit",
            "--webhook-url=http://127.0.0.1:4000/hook",
            "--webhook-retry-scale",
            "0.01",
        ])
        .unwrap();
        let debug = format!("{:?}", args.builder());
        assert!(
            debug.contains("http://127.0.0.1:3000/webhooks/scalekit"),
            "{debug}"
        );
        assert!(debug.contains("http://127.0.0.1:4000/hook"), "{debug}");
        assert!(debug.contains("retry_scale: 0.01"), "{debug}");
        let message = |args: &[&str]| parse(args).err().expect("an error").to_string();
        assert!(message(&["--webhook-retry-scale", "soon"]).contains("soon"));
    }
}
