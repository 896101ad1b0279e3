//! The checks against Scalekit: credentials, token (and the clock against
//! its `Date`), a link, the portal page's `frame-ancestors`, the custom
//! domain.

use std::time::{Instant, SystemTime};

use scalekit_tower::{Client, Config, Error, PortalLink};

use super::{DoctorArgs, Verdict, page};
use crate::mint::organization;

/// What the later checks need from Scalekit's.
pub(crate) struct Upstream {
    /// The origin the portal is served from (of the minted link, else the config's).
    pub(crate) portal_origin: String,
}

/// How far the clock may be from Scalekit's: the webhook replay window.
const MAX_SKEW_SECS: u64 = 5 * 60;

pub(crate) async fn check(
    http: &reqwest::Client,
    args: &DoctorArgs,
    verdicts: &mut Vec<Verdict>,
) -> Option<Upstream> {
    let config = match credentials() {
        Ok(config) => {
            verdicts.push(Verdict::pass(
                "credentials",
                format!(
                    "{} with client id {}",
                    config.environment_url(),
                    config.client_id()
                ),
            ));
            config
        }
        Err(verdict) => {
            verdicts.push(verdict);
            return None;
        }
    };
    let date = token(http, &config, verdicts).await?;
    verdicts.push(clock(date));
    let mut upstream = Upstream {
        portal_origin: config.portal_origin().to_owned(),
    };
    let link = match mint(config.clone(), args).await {
        Ok(link) => link,
        Err(verdict) => {
            // The client refuses a link on another origin than the
            // configured one: that is the custom-domain setting.
            if verdict.detail.contains("points to another origin") {
                verdicts.push(Verdict::fail(
                    "custom domain",
                    format!(
                        "Scalekit answered a link on another origin than {}",
                        config.portal_origin()
                    ),
                    "set SCALEKIT_PORTAL_ORIGIN to the portal's custom domain (https://auth.example.com)",
                ));
            }
            verdicts.push(verdict);
            return Some(upstream);
        }
    };
    let link_origin = link.location().origin().ascii_serialization();
    verdicts.push(Verdict::pass(
        "link minted",
        format!("{} on {link_origin}", link.id()),
    ));
    verdicts.push(frame_ancestors(http, &link, &args.app_origin).await);
    verdicts.push(custom_domain(&config, &link_origin));
    upstream.portal_origin = link_origin;
    Some(upstream)
}

/// The three variables are set and well formed.
fn credentials() -> Result<Config, Verdict> {
    Config::from_env().map_err(|err| {
        Verdict::fail(
            "credentials",
            err.to_string(),
            "set SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET \
             (Scalekit dashboard > Developers > API credentials)",
        )
    })
}

/// Fetches an access token, timed; returns Scalekit's `Date` if it sent one.
async fn token(
    http: &reqwest::Client,
    config: &Config,
    verdicts: &mut Vec<Verdict>,
) -> Option<Option<SystemTime>> {
    const CHECK: &str = "token";
    let secret = std::env::var("SCALEKIT_CLIENT_SECRET").unwrap_or_default();
    let url = match config.environment_url().join("oauth/token") {
        Ok(url) => url,
        Err(err) => {
            verdicts.push(Verdict::fail(
                CHECK,
                err.to_string(),
                "fix SCALEKIT_ENVIRONMENT_URL",
            ));
            return None;
        }
    };
    let started = Instant::now();
    let response = http
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", config.client_id()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await;
    let elapsed = started.elapsed();
    let response = match response {
        Ok(response) => response,
        Err(err) => {
            verdicts.push(Verdict::fail(
                CHECK,
                format!("no answer from {}: {err}", config.environment_url()),
                "check SCALEKIT_ENVIRONMENT_URL and that this machine can reach it",
            ));
            return None;
        }
    };
    let date = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok());
    let status = response.status();
    let has_token = response
        .json::<serde_json::Value>()
        .await
        .ok()
        .is_some_and(|body| body["access_token"].is_string());
    if status.is_success() && has_token {
        verdicts.push(Verdict::pass(
            CHECK,
            format!("fetched in {} ms", elapsed.as_millis()),
        ));
        return Some(date);
    }
    let fix = match status.as_u16() {
        400 | 401 => {
            "SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET do not belong to this environment, \
             or the secret was rotated: copy both from its dashboard"
        }
        _ => "check SCALEKIT_ENVIRONMENT_URL: it must be the environment's URL, without a path",
    };
    verdicts.push(Verdict::fail(
        CHECK,
        format!("the token endpoint answered {status}"),
        fix,
    ));
    None
}

/// This machine's clock against Scalekit's `Date`.
pub(crate) fn clock(date: Option<SystemTime>) -> Verdict {
    const CHECK: &str = "clock";
    let Some(date) = date else {
        return Verdict::skip(CHECK, "Scalekit sent no Date header");
    };
    let now = SystemTime::now();
    let (skew, ahead) = match now.duration_since(date) {
        Ok(behind) => (behind, true),
        Err(err) => (err.duration(), false),
    };
    // `Date` has whole seconds.
    let secs = skew.as_secs();
    let direction = if ahead { "ahead of" } else { "behind" };
    if secs <= MAX_SKEW_SECS {
        Verdict::pass(CHECK, format!("{secs} s {direction} Scalekit's Date"))
    } else {
        Verdict::fail(
            CHECK,
            format!("{secs} s {direction} Scalekit's Date"),
            "synchronise this machine's clock (NTP): webhooks more than 5 minutes off are refused",
        )
    }
}

async fn mint(config: Config, args: &DoctorArgs) -> Result<PortalLink, Verdict> {
    const CHECK: &str = "link minted";
    if args.organization.is_none() && args.external_id.is_none() {
        return Err(Verdict::skip(
            CHECK,
            "no ORGANIZATION_ID or --external-id: link, frame-ancestors and custom domain not checked",
        ));
    }
    let failed = |err: Error| {
        let fix = match &err {
            Error::OrganizationNotFound { .. } => {
                "check the id in the dashboard, or that --external-id is set on the organization"
            }
            Error::InvalidArgument { .. } => "an organization id looks like org_59615193906282635",
            _ => "see the error; run again with the same arguments once it is fixed",
        };
        Verdict::fail(CHECK, err.to_string(), fix)
    };
    let client = Client::new(config).map_err(failed)?;
    let organization = organization(
        &client,
        args.organization.as_deref(),
        args.external_id.as_deref(),
    )
    .await
    .map_err(failed)?;
    client
        .generate_portal_link(&organization, &[])
        .await
        .map_err(failed)
}

/// The portal page behind the link allows `app_origin` to frame it.
async fn frame_ancestors(http: &reqwest::Client, link: &PortalLink, app_origin: &str) -> Verdict {
    const CHECK: &str = "frame-ancestors";
    let app = match url::Url::parse(app_origin) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url.origin().ascii_serialization(),
        _ => {
            return Verdict::fail(
                CHECK,
                format!("--app-origin {app_origin:?} is not an http(s) origin"),
                "pass the origin of the page that embeds the portal, e.g. https://app.example.com",
            );
        }
    };
    let response = match http.get(link.location().as_str()).send().await {
        Ok(response) => response,
        Err(err) => {
            return Verdict::fail(
                CHECK,
                format!("the portal page did not answer: {err}"),
                "check that this machine can reach the portal's origin",
            );
        }
    };
    let policy = response
        .headers()
        .get_all(reqwest::header::CONTENT_SECURITY_POLICY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|csp| page::directive(csp, "frame-ancestors").map(str::to_owned));
    let register = format!(
        "add {app} to the allowed redirect URLs of this environment in the Scalekit dashboard \
         (it sets the portal's frame-ancestors)"
    );
    match policy {
        None => Verdict::pass(
            CHECK,
            "the portal page sets no frame-ancestors (the link is now used)",
        ),
        Some(sources) if page::allows(&sources, &app, None) => Verdict::pass(
            CHECK,
            format!("{app} is allowed (frame-ancestors {sources}; the link is now used)"),
        ),
        Some(sources) => Verdict::fail(
            CHECK,
            format!("{app} is not in frame-ancestors {sources}: the iframe stays blank"),
            register,
        ),
    }
}

/// The configured portal origin is the one links come from.
fn custom_domain(config: &Config, link_origin: &str) -> Verdict {
    const CHECK: &str = "custom domain";
    let configured = config.portal_origin();
    if configured == link_origin {
        Verdict::pass(
            CHECK,
            format!("links come from {link_origin}, as configured"),
        )
    } else {
        Verdict::fail(
            CHECK,
            format!("links come from {link_origin}, the kit expects {configured}"),
            format!("set SCALEKIT_PORTAL_ORIGIN={link_origin}"),
        )
    }
}
