//! Runs the demo: `cargo run -p scalekit-demo [-- PORT]`.
//!
//! With no `SCALEKIT_*` variables (in the environment, or in `.env` in the
//! current directory, which never overrides the environment) it
//! starts a local Scalekit emulator in the same process; with them it talks
//! to real Scalekit. `SCALEKIT_WEBHOOK_SECRET` sets the webhook signing
//! secret in both modes (several, space-separated, during a rotation);
//! alone, it does not switch to real Scalekit. `DEMO_ALLOWED_HOSTS` names
//! the host names it answers for besides 127.0.0.1, localhost and [::1].
//! `DEMO_PORTAL_SESSION_SECS=30` makes the in-process emulator's portal
//! sessions that short, to watch the portal expire and come back by itself.
//! What it prints at start fits the Scalekit it talks to (`startup`).

use std::io::{ErrorKind, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use scalekit_demo::Upstream;
use scalekit_demo::startup::{self, ENV_PORTAL_SESSION, Mode};
use scalekit_tower::webhook::ENV_WEBHOOK_SECRET;
use scalekit_tower::{Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL};

const DEFAULT_PORT: u16 = 3000;

fn port() -> Result<u16, String> {
    let raw = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok());
    match raw {
        None => Ok(DEFAULT_PORT),
        Some(raw) => raw.parse().map_err(|_| {
            format!(
                "invalid port {raw:?}: pass a number, e.g. `cargo run -p scalekit-demo -- 3001`"
            )
        }),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        // Colours only for a person at a terminal: none in a file or a pipe,
        // none under NO_COLOR.
        .with_ansi(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .init();
    // Only `./.env`, never a parent directory's, and never over a variable
    // the environment already sets (dotenvy's `from_path` keeps those).
    if let Err(err) = dotenvy::from_path(".env")
        && !err.not_found()
    {
        eprintln!("warning: .env is not readable, ignoring it: {err}");
    }

    let port = match port() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let portal_session =
        match startup::portal_session(std::env::var(ENV_PORTAL_SESSION).ok().as_deref()) {
            Ok(session) => session,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        };
    let webhook_secret = std::env::var(ENV_WEBHOOK_SECRET)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let uses_scalekit = [ENV_ENVIRONMENT_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    let (upstream, mode) = if uses_scalekit {
        match Config::from_env() {
            Ok(config) => {
                let mode = Mode::for_environment(config.environment_url(), config.client_id());
                (Upstream::Scalekit(config), mode)
            }
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::from(2);
            }
        }
    } else {
        let upstream = match portal_session {
            Some(session) => Upstream::local_with_portal_session(session),
            None => Upstream::local(),
        };
        (upstream, Mode::InProcess)
    };
    // The in-process emulator signs its webhooks with its own secret.
    let webhooks_on = webhook_secret.is_some() || mode == Mode::InProcess;
    for note in startup::notes(&mode, port, webhooks_on, portal_session) {
        println!("{note}");
    }

    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(err) if err.kind() == ErrorKind::AddrInUse => {
            eprintln!(
                "error: port {port} on 127.0.0.1 is taken; pick another: `cargo run -p scalekit-demo -- {}` (or PORT={})",
                port.saturating_add(1),
                port.saturating_add(1)
            );
            return ExitCode::from(1);
        }
        Err(err) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {err}");
            return ExitCode::from(1);
        }
    };
    let fleet = match fleet(port).await {
        Ok(fleet) => fleet,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };

    // Host names beyond the loopback ones (a tunnel, a LAN name), separated
    // by spaces or commas: any other `Host` is refused.
    let allowed_hosts = std::env::var("DEMO_ALLOWED_HOSTS")
        .unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|host| !host.is_empty())
        .map(str::to_owned)
        .collect();
    let options = scalekit_demo::Options {
        webhook_secret,
        allowed_hosts,
        fleet: Some(fleet),
        ..scalekit_demo::Options::default()
    };
    match scalekit_demo::start_with_options(listener, upstream, options).await {
        Ok(demo) => {
            if let Some(emulator) = demo.emulator() {
                println!(
                    "Running against the local Scalekit emulator at {}. Open {}",
                    emulator.base_url(),
                    demo.url()
                );
            } else {
                println!("Open {}", demo.url());
            }
            demo.serve_forever().await;
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(1)
        }
    }
}

/// This replica's fleet: `DATABASE_URL` (PostgreSQL: sessions, webhook
/// idempotency, handled deliveries; migrated now) and `REDIS_URL` (the
/// minting limits), each when set; named `REPLICA_ID` or its port.
async fn fleet(port: u16) -> Result<scalekit_demo::Fleet, String> {
    let var = |name| {
        std::env::var(name)
            .ok()
            .filter(|v: &String| !v.trim().is_empty())
    };
    let replica = var("REPLICA_ID").unwrap_or_else(|| port.to_string());
    let (database, redis) = (var("DATABASE_URL"), var("REDIS_URL"));
    let millis = |name| {
        var(name)
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    let mut fleet = scalekit_demo::Fleet::connect(database.as_deref(), redis.as_deref(), replica)
        .await
        .map_err(|err| format!("DATABASE_URL/REDIS_URL: {err}"))?;
    // Optional: a Redis key prefix per fleet, a shorter webhook lease, a
    // slower handler (to watch a replica die mid-delivery).
    if let Some(prefix) = var("REDIS_PREFIX") {
        fleet = fleet.with_redis_prefix(&prefix);
    }
    if let Some(lease) = millis("WEBHOOK_LEASE_MS") {
        fleet = fleet.with_webhook_lease(lease);
    }
    if let Some(delay) = millis("WEBHOOK_HANDLER_DELAY_MS") {
        fleet = fleet.with_handler_delay(delay);
    }
    if database.is_some() || redis.is_some() {
        println!(
            "Replica {}: sharing {}{}",
            fleet.replica(),
            if database.is_some() {
                "sessions and webhooks in PostgreSQL"
            } else {
                ""
            },
            match (database.is_some(), redis.is_some()) {
                (true, true) => ", minting limits in Redis",
                (false, true) => "minting limits in Redis",
                _ => "",
            }
        );
    }
    Ok(fleet)
}
