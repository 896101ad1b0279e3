//! What the demo binary says when it starts, fitting the Scalekit it talks
//! to (its own in-process emulator, a standalone emulator whose lines were
//! exported, or a real environment), and its short-portal-session setting.

use std::time::Duration;

use url::{Host, Url};

/// The variable that shortens the in-process emulator's portal sessions,
/// in seconds, to watch the portal warn, expire and come back by itself.
pub const ENV_PORTAL_SESSION: &str = "DEMO_PORTAL_SESSION_SECS";

/// The shortest portal session [`ENV_PORTAL_SESSION`] accepts: time to see
/// the portal before it warns.
pub const MIN_PORTAL_SESSION: Duration = Duration::from_secs(10);

/// Which Scalekit the demo talks to, as its startup messages need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The emulator the demo starts in its own process.
    InProcess,
    /// A standalone emulator (the `SCALEKIT_*` lines point at loopback).
    StandaloneEmulator {
        /// Its environment URL.
        url: String,
    },
    /// A real Scalekit environment.
    Scalekit {
        /// Its environment URL.
        url: String,
        /// The client id (not a secret).
        client_id: String,
    },
}

impl Mode {
    /// The mode for the `SCALEKIT_*` variables naming `environment_url`: a
    /// loopback host is an emulator on this machine (Scalekit is never
    /// there), anything else real Scalekit.
    pub fn for_environment(environment_url: &Url, client_id: &str) -> Self {
        let loopback = match environment_url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        let url = environment_url.as_str().trim_end_matches('/').to_owned();
        if loopback {
            Mode::StandaloneEmulator { url }
        } else {
            Mode::Scalekit {
                url,
                client_id: client_id.to_owned(),
            }
        }
    }
}

/// Reads [`ENV_PORTAL_SESSION`]'s value: unset or empty is `None`; anything
/// else must be a whole number of seconds, at least [`MIN_PORTAL_SESSION`].
pub fn portal_session(raw: Option<&str>) -> Result<Option<Duration>, String> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Ok(None);
    };
    let min = MIN_PORTAL_SESSION.as_secs();
    match raw.parse::<u64>() {
        Ok(seconds) if seconds >= min => Ok(Some(Duration::from_secs(seconds))),
        _ => Err(format!(
            "{ENV_PORTAL_SESSION}={raw:?}: give a whole number of seconds, at least {min} \
             (e.g. {ENV_PORTAL_SESSION}=30)"
        )),
    }
}

/// The lines the demo prints before it listens, for `mode` on `port`.
/// `webhooks_on`: a webhook secret is set (the in-process emulator always
/// has one); `portal_session`: [`ENV_PORTAL_SESSION`], when set.
pub fn notes(
    mode: &Mode,
    port: u16,
    webhooks_on: bool,
    portal_session: Option<Duration>,
) -> Vec<String> {
    let origin = format!("http://127.0.0.1:{port}");
    let webhook_url = format!("{origin}{}", crate::WEBHOOK_PATH);
    let mut notes = Vec::new();
    match mode {
        Mode::InProcess => {
            if let Some(session) = portal_session {
                notes.push(format!(
                    "Portal sessions last {} s ({ENV_PORTAL_SESSION}): sign in as Alice and \
                     watch the portal warn, expire and come back by itself.",
                    session.as_secs()
                ));
            }
        }
        Mode::StandaloneEmulator { url } => {
            notes.push(format!("Using the Scalekit emulator at {url}."));
            notes.push(format!(
                "Start it with `--allow-origin {origin}` (else the portal refuses to be framed) \
                 and `--webhook-url {webhook_url}`; its demo organizations already have the \
                 external ids `acme` and `globex`."
            ));
            if !webhooks_on {
                notes.push(
                    "Webhooks are off: export the SCALEKIT_WEBHOOK_SECRET line the emulator \
                     printed too."
                        .to_owned(),
                );
            }
            if let Some(session) = portal_session {
                notes.push(format!(
                    "{ENV_PORTAL_SESSION} shortens only the demo's own emulator: start this one \
                     with `--session-lifetime {}` instead.",
                    session.as_secs()
                ));
            }
        }
        Mode::Scalekit { url, client_id } => {
            notes.push(format!("Using Scalekit at {url} (client id {client_id})."));
            notes.push(format!(
                "Register {origin} as a redirect URL in the Scalekit dashboard, and create \
                 organizations with external ids `acme` and `globex`."
            ));
            if !webhooks_on {
                notes.push(format!(
                    "Webhooks are off: set SCALEKIT_WEBHOOK_SECRET to the signing secret of an \
                     endpoint registered for {} in the dashboard.",
                    crate::WEBHOOK_PATH
                ));
            }
            if portal_session.is_some() {
                notes.push(format!(
                    "{ENV_PORTAL_SESSION} is ignored against Scalekit: its portal sessions \
                     last as Scalekit sets them."
                ));
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        text.parse().unwrap()
    }

    #[test]
    fn loopback_environments_are_emulators() {
        for local in [
            "http://127.0.0.1:8787",
            "http://localhost:8787/",
            "https://[::1]:8787",
        ] {
            assert!(
                matches!(
                    Mode::for_environment(&url(local), "skc_1"),
                    Mode::StandaloneEmulator { .. }
                ),
                "{local}"
            );
        }
        assert_eq!(
            Mode::for_environment(&url("https://acme.scalekit.dev/"), "skc_1"),
            Mode::Scalekit {
                url: "https://acme.scalekit.dev".into(),
                client_id: "skc_1".into()
            }
        );
    }

    #[test]
    fn a_standalone_emulator_is_not_sent_to_the_dashboard() {
        let mode = Mode::StandaloneEmulator {
            url: "http://127.0.0.1:8787".into(),
        };
        let text = notes(&mode, 3000, false, None).join("\n");
        assert!(!text.contains("dashboard"), "{text}");
        assert!(!text.contains("create organizations"), "{text}");
        assert!(
            text.contains("--allow-origin http://127.0.0.1:3000"),
            "{text}"
        );
        assert!(
            text.contains("--webhook-url http://127.0.0.1:3000/webhooks/scalekit"),
            "{text}"
        );
        assert!(text.contains("SCALEKIT_WEBHOOK_SECRET"), "{text}");
        let with_secret = notes(&mode, 3000, true, None).join("\n");
        assert!(!with_secret.contains("Webhooks are off"), "{with_secret}");
    }

    #[test]
    fn real_scalekit_names_the_dashboard_steps() {
        let mode = Mode::Scalekit {
            url: "https://acme.scalekit.dev".into(),
            client_id: "skc_1".into(),
        };
        let text = notes(&mode, 3001, true, None).join("\n");
        assert!(text.contains("skc_1"), "{text}");
        assert!(
            text.contains(
                "Register http://127.0.0.1:3001 as a redirect URL in the Scalekit dashboard"
            ),
            "{text}"
        );
        assert!(!text.contains("emulator"), "{text}");
    }

    #[test]
    fn the_in_process_emulator_needs_no_setup_words() {
        assert!(notes(&Mode::InProcess, 3000, true, None).is_empty());
        let text = notes(&Mode::InProcess, 3000, true, Some(Duration::from_secs(30))).join("\n");
        assert!(text.contains("30 s"), "{text}");
        assert!(!text.contains("dashboard"), "{text}");
    }

    #[test]
    fn a_short_session_elsewhere_says_where_it_applies() {
        let thirty = Some(Duration::from_secs(30));
        let emulator = Mode::StandaloneEmulator {
            url: "http://127.0.0.1:8787".into(),
        };
        let text = notes(&emulator, 3000, true, thirty).join("\n");
        assert!(text.contains("--session-lifetime 30"), "{text}");
        let scalekit = Mode::Scalekit {
            url: "https://acme.scalekit.dev".into(),
            client_id: "skc_1".into(),
        };
        let text = notes(&scalekit, 3000, true, thirty).join("\n");
        assert!(text.contains("ignored against Scalekit"), "{text}");
    }

    #[test]
    fn reads_the_portal_session() {
        assert_eq!(portal_session(None), Ok(None));
        assert_eq!(portal_session(Some(" ")), Ok(None));
        assert_eq!(
            portal_session(Some("30")),
            Ok(Some(Duration::from_secs(30)))
        );
        for bad in ["5", "-3", "30s", "soon"] {
            let error = portal_session(Some(bad)).unwrap_err();
            assert!(
                error.contains(ENV_PORTAL_SESSION) && error.contains("at least 10"),
                "{error}"
            );
        }
    }
}
