//! `scalekit-emulator`: run a local Scalekit until Ctrl-C.
//!
//! ```text
//! scalekit-emulator [--port N] [--allow-origin ORIGIN]... [--legacy-events]
//!                   [--client-id ID] [--client-secret SECRET] [--no-demo-organizations]
//!                   [--token-lifetime SECS] [--link-lifetime SECS]
//!                   [--session-lifetime SECS] [--warning-before SECS]
//! ```
//!
//! Prints the three `SCALEKIT_*` lines to export on standard output; logs go
//! to standard error (`RUST_LOG` filters them).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::process::ExitCode;
use std::time::Duration;

use scalekit_emulator::{Emulator, EmulatorBuilder, demo};

const USAGE: &str = "\
Usage: scalekit-emulator [OPTIONS]

Runs a local Scalekit (token endpoint, REST API, admin portal) on 127.0.0.1.

Options:
  --port N                 port to listen on (default: $PORT, else 8787; 0 picks a free port)
  --allow-origin ORIGIN    parent origin allowed to embed the portal, e.g. http://127.0.0.1:3000 (repeatable)
  --legacy-events          post the older `type` event vocabulary
  --client-id ID           client id to accept (default: random skc_...)
  --client-secret SECRET   client secret to accept (default: random)
  --no-demo-organizations  start without the demo organizations
  --token-lifetime SECS    access-token lifetime (default 86399)
  --link-lifetime SECS     unused portal-link lifetime (default 60)
  --session-lifetime SECS  portal session length (default 21600)
  --warning-before SECS    PORTAL_SESSION_WARNING lead (default 300)
  -h, --help               show this help
";

const DEFAULT_PORT: u16 = 8787;

/// What the command line asked for.
#[derive(Debug)]
enum Command {
    Help,
    Run(EmulatorBuilder),
}

fn parse_port(text: &str, source: &str) -> Result<u16, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{source}: {text:?} is not a port number (0-65535)"))
}

fn parse_seconds(text: &str, flag: &str) -> Result<Duration, String> {
    text.trim()
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("{flag}: {text:?} is not a number of seconds"))
}

fn parse_args(
    args: impl IntoIterator<Item = String>,
    env_port: Option<String>,
) -> Result<Command, String> {
    let mut builder = Emulator::builder();
    let mut port = match env_port {
        Some(text) if !text.trim().is_empty() => parse_port(&text, "PORT")?,
        _ => DEFAULT_PORT,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => port = parse_port(&value("--port")?, "--port")?,
            "--allow-origin" => builder = builder.allowed_parent_origin(value("--allow-origin")?),
            "--client-id" => builder = builder.client_id(value("--client-id")?),
            "--client-secret" => builder = builder.client_secret(value("--client-secret")?),
            "--legacy-events" => builder = builder.legacy_events(true),
            "--no-demo-organizations" => builder = builder.seed_demo_organizations(false),
            flag @ ("--token-lifetime" | "--link-lifetime" | "--session-lifetime"
            | "--warning-before") => {
                let seconds = parse_seconds(&value(flag)?, flag)?;
                builder = match flag {
                    "--token-lifetime" => builder.token_lifetime(seconds),
                    "--link-lifetime" => builder.link_lifetime(seconds),
                    "--session-lifetime" => builder.session_lifetime(seconds),
                    _ => builder.session_warning_before(seconds),
                };
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(builder.port(port)))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "scalekit_emulator=info".into()),
        )
        .init();

    let builder = match parse_args(std::env::args().skip(1), std::env::var("PORT").ok()) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(builder)) => builder,
        Err(message) => {
            eprintln!("scalekit-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emu = match builder.start().await {
        Ok(emu) => emu,
        Err(err) => {
            eprintln!("scalekit-emulator: {err}");
            return ExitCode::FAILURE;
        }
    };

    // The purpose of the binary: print what to export, secret included.
    println!("SCALEKIT_ENVIRONMENT_URL={}", emu.base_url());
    println!("SCALEKIT_CLIENT_ID={}", emu.client_id());
    println!("SCALEKIT_CLIENT_SECRET={}", emu.client_secret());
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

    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("scalekit-emulator: cannot wait for Ctrl-C: {err}");
    }
    emu.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: Option<&str>) -> Result<Command, String> {
        parse_args(args.iter().map(|s| s.to_string()), env.map(str::to_owned))
    }

    #[test]
    fn parses_flags() {
        let Ok(Command::Run(builder)) = parse(
            &[
                "--port",
                "0",
                "--allow-origin=http://127.0.0.1:3000",
                "--legacy-events",
            ],
            Some("9999"),
        ) else {
            panic!("expected run");
        };
        let debug = format!("{builder:?}");
        assert!(debug.contains("port: 0"), "{debug}");
        assert!(debug.contains("legacy_events: true"), "{debug}");
        assert!(debug.contains("http://127.0.0.1:3000"), "{debug}");
    }

    #[test]
    fn env_port_and_default() {
        let Ok(Command::Run(builder)) = parse(&[], Some("4242")) else {
            panic!()
        };
        assert!(format!("{builder:?}").contains("port: 4242"));
        let Ok(Command::Run(builder)) = parse(&[], None) else {
            panic!()
        };
        assert!(format!("{builder:?}").contains("port: 8787"));
    }

    #[test]
    fn parses_lifetimes() {
        let Ok(Command::Run(builder)) = parse(
            &[
                "--session-lifetime",
                "30",
                "--warning-before=10",
                "--link-lifetime",
                "5",
            ],
            None,
        ) else {
            panic!("expected run");
        };
        let debug = format!("{builder:?}");
        assert!(debug.contains("session_lifetime: 30s"), "{debug}");
        assert!(debug.contains("session_warning_before: 10s"), "{debug}");
        assert!(debug.contains("link_lifetime: 5s"), "{debug}");
    }

    #[test]
    fn reports_bad_input() {
        assert!(
            parse(&["--port", "x"], None)
                .unwrap_err()
                .contains("not a port")
        );
        assert!(
            parse(&["--port"], None)
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(parse(&["--bogus"], None).unwrap_err().contains("unknown"));
        assert!(parse(&[], Some("99999")).is_err());
        assert!(
            parse(&["--session-lifetime", "-1"], None)
                .unwrap_err()
                .contains("seconds")
        );
        assert!(matches!(parse(&["-h"], None), Ok(Command::Help)));
    }

    #[test]
    fn secret_is_not_in_debug() {
        let Ok(Command::Run(builder)) = parse(&["--client-secret", "hunter2"], None) else {
            panic!()
        };
        assert!(!format!("{builder:?}").contains("hunter2"));
    }
}
