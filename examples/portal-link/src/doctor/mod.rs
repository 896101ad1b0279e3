//! `doctor`: checks a deployment for the reasons an embedded portal stays
//! blank, or its webhooks do not arrive. Each check is a small function that
//! returns a [`Verdict`]: pass, fail or skip, what it saw, and the one thing
//! to fix. Nothing it prints is a secret.

mod page;
mod upstream;
mod webhook;

use std::fmt;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

/// How long any one request of a check may take.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What `doctor` checks.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// The organization (org_...) to mint a test link for.
    #[arg(value_name = "ORGANIZATION_ID", conflicts_with = "external_id")]
    organization: Option<String>,
    /// Find the organization by your app's own tenant id.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// The origin of the app page that embeds the portal
    /// (`https://app.example.com`): the portal's frame-ancestors must allow it.
    #[arg(long, value_name = "ORIGIN")]
    app_origin: String,
    /// The app's settings page: its CSP must allow the portal in frame-src,
    /// put a nonce on the snippet and allow the endpoints in connect-src.
    #[arg(long, value_name = "URL")]
    page: Option<String>,
    /// A `Cookie` header for --page, to get past the app's login.
    #[arg(long, value_name = "COOKIE", requires = "page")]
    cookie: Option<String>,
    /// Another header for --page, `Name: value` (repeatable).
    #[arg(long = "header", value_name = "HEADER", requires = "page")]
    headers: Vec<String>,
    /// The app's webhook endpoint: a signed test delivery must be accepted
    /// and a tampered one refused (needs SCALEKIT_WEBHOOK_SECRET).
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Pass,
    Fail,
    Skip,
}

/// One check's verdict: what it saw and, when it failed, the fix.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Verdict {
    pub(crate) check: &'static str,
    pub(crate) status: Status,
    pub(crate) detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

impl Verdict {
    pub(crate) fn pass(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    pub(crate) fn fail(
        check: &'static str,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            check,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub(crate) fn skip(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            status: Status::Skip,
            detail: detail.into(),
            fix: None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.status {
            Status::Pass => "ok  ",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        };
        write!(f, "{mark} {:<22} {}", self.check, safe(&self.detail))?;
        if let Some(fix) = &self.fix {
            write!(f, "\n     {:<22} fix: {}", "", safe(fix))?;
        }
        Ok(())
    }
}

/// `text` with control characters made visible: some of it comes from
/// the network.
pub(crate) fn safe(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Runs every check and prints the verdicts; exit status 1 when one failed.
pub(crate) async fn run(args: DoctorArgs) -> ExitCode {
    let verdicts = checks(&args).await;
    let failed = verdicts.iter().any(|v| v.status == Status::Fail);
    if args.json {
        let value = serde_json::json!({ "ok": !failed, "checks": verdicts });
        println!("{value}");
    } else {
        for verdict in &verdicts {
            println!("{verdict}");
        }
        let failures = verdicts.iter().filter(|v| v.status == Status::Fail).count();
        println!();
        match failures {
            0 => println!("All checks passed."),
            n => {
                println!("{n} check(s) failed: fix them in order, the first often causes the next.")
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

async fn checks(args: &DoctorArgs) -> Vec<Verdict> {
    let http = match reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
    {
        Ok(http) => http,
        Err(err) => {
            return vec![Verdict::fail(
                "http client",
                format!("cannot build an HTTP client: {err}"),
                "check the TLS setup of this machine",
            )];
        }
    };
    let mut verdicts = Vec::new();
    let upstream = upstream::check(&http, args, &mut verdicts).await;
    let portal_origin = upstream.as_ref().map(|u| u.portal_origin.clone());
    match &args.page {
        Some(url) => {
            verdicts.extend(page::check(&http, url, args, portal_origin.as_deref()).await);
        }
        None => verdicts.push(Verdict::skip("page csp", "no --page given")),
    }
    verdicts.extend(webhook::check(&http, args.webhook_url.as_deref()).await);
    verdicts
}
