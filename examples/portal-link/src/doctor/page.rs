//! The checks of the app's settings page (`--page`): its
//! Content-Security-Policy lets the portal in (`frame-src`), runs the
//! snippet (a nonce on its script) and lets it reach the endpoints
//! (`connect-src`).

use super::{DoctorArgs, Verdict};

/// The sources of `name` in one policy, if it has that directive.
pub(crate) fn directive<'a>(policy: &'a str, name: &str) -> Option<&'a str> {
    policy.split(';').map(str::trim).find_map(|part| {
        let (directive, sources) = part.split_once(char::is_whitespace).unwrap_or((part, ""));
        directive
            .eq_ignore_ascii_case(name)
            .then_some(sources.trim())
    })
}

/// Whether a source list allows `origin` (`self_origin`: the page's own
/// origin, for `'self'`).
pub(crate) fn allows(sources: &str, origin: &str, self_origin: Option<&str>) -> bool {
    let scheme = origin.split_once("://").map(|(scheme, _)| scheme);
    sources.split_whitespace().any(|source| {
        let source = source.trim_end_matches('/');
        match source {
            "*" => true,
            "'self'" => self_origin == Some(origin),
            "'none'" => false,
            _ if source.ends_with(':') => scheme == Some(source.trim_end_matches(':')),
            _ => {
                source.eq_ignore_ascii_case(origin)
                    || source
                        .strip_prefix("*.")
                        .is_some_and(|suffix| origin.ends_with(&format!(".{suffix}")))
                    || origin
                        .split_once("://")
                        .zip(source.split_once("://*."))
                        .is_some_and(|((s1, host), (s2, suffix))| {
                            s1 == s2 && host.ends_with(&format!(".{suffix}"))
                        })
            }
        }
    })
}

/// The directive that governs `name`, falling back as browsers do.
fn effective<'a>(policy: &'a str, names: &[&str]) -> Option<(&'a str, String)> {
    names
        .iter()
        .find_map(|name| directive(policy, name).map(|sources| (sources, (*name).to_owned())))
}

pub(crate) async fn check(
    http: &reqwest::Client,
    url: &str,
    args: &DoctorArgs,
    portal_origin: Option<&str>,
) -> Vec<Verdict> {
    let page_origin = match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
            parsed.origin().ascii_serialization()
        }
        _ => {
            return vec![Verdict::fail(
                "page",
                format!("--page {url:?} is not an http(s) URL"),
                "pass the full URL of the settings page",
            )];
        }
    };
    let mut request = http.get(url);
    if let Some(cookie) = &args.cookie {
        request = request.header(reqwest::header::COOKIE, cookie);
    }
    for header in &args.headers {
        match header.split_once(':') {
            Some((name, value)) => request = request.header(name.trim(), value.trim()),
            None => {
                return vec![Verdict::fail(
                    "page",
                    format!("--header {header:?} has no `:`"),
                    "write headers as `Name: value`",
                )];
            }
        }
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => {
            return vec![Verdict::fail(
                "page",
                format!("{url} did not answer: {err}"),
                "check the URL, and that the app runs",
            )];
        }
    };
    let status = response.status();
    let policy = response
        .headers()
        .get_all(reqwest::header::CONTENT_SECURITY_POLICY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let html = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return vec![Verdict::fail(
            "page",
            format!("{url} answered {status}"),
            "pass the page's session with --cookie or --header, as a signed-in admin",
        )];
    }
    if !html.contains("scalekit-portal") {
        return vec![Verdict::fail(
            "page",
            format!("{url} has no portal snippet (no `scalekit-portal` element)"),
            "include scalekit/portal.html, and sign in as an admin with --cookie",
        )];
    }
    if policy.is_empty() {
        return vec![Verdict::pass(
            "page csp",
            "the page sends no Content-Security-Policy: nothing blocks the portal",
        )];
    }
    vec![
        frame_src(&policy, portal_origin, &page_origin),
        nonce(&policy, &html),
        connect_src(&policy, &page_origin),
    ]
}

fn frame_src(policy: &str, portal_origin: Option<&str>, page_origin: &str) -> Verdict {
    const CHECK: &str = "page frame-src";
    let Some(portal) = portal_origin else {
        return Verdict::skip(CHECK, "the portal origin is unknown (no credentials)");
    };
    match effective(policy, &["frame-src", "child-src", "default-src"]) {
        None => Verdict::pass(CHECK, "no frame-src, child-src or default-src"),
        Some((sources, name)) if allows(sources, portal, Some(page_origin)) => {
            Verdict::pass(CHECK, format!("{name} allows {portal}"))
        }
        Some((sources, name)) => Verdict::fail(
            CHECK,
            format!("{name} {sources} does not allow {portal}: the browser blocks the frame"),
            format!("add {portal} to frame-src"),
        ),
    }
}

/// The snippet's `<script>` carries the nonce the policy allows.
fn nonce(policy: &str, html: &str) -> Verdict {
    const CHECK: &str = "page nonce";
    let Some((sources, name)) =
        effective(policy, &["script-src-elem", "script-src", "default-src"])
    else {
        return Verdict::pass(CHECK, "no script-src: scripts are not restricted");
    };
    let nonces: Vec<&str> = sources
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .collect();
    let snippet = snippet_script(html);
    match (nonces.as_slice(), snippet) {
        (_, None) => Verdict::fail(
            CHECK,
            "the listener's <script> is not on the page",
            "include scalekit/script.html (or portal.html) after the iframe",
        ),
        ([], Some(_)) if sources.contains("'unsafe-inline'") => Verdict::pass(
            CHECK,
            format!("{name} has 'unsafe-inline' (a nonce would be stricter)"),
        ),
        ([], Some(_)) => Verdict::fail(
            CHECK,
            format!("{name} {sources} has no nonce: the listener does not run"),
            "send script-src 'nonce-<fresh per response>' and PortalEmbed::with_nonce(it)",
        ),
        (nonces, Some(tag)) => {
            if nonces
                .iter()
                .any(|nonce| tag.contains(&format!("nonce=\"{nonce}\"")))
            {
                Verdict::pass(CHECK, "the listener's <script> carries the policy's nonce")
            } else {
                Verdict::fail(
                    CHECK,
                    "the listener's <script> does not carry the policy's nonce: it does not run",
                    "pass the response's nonce to PortalEmbed::with_nonce",
                )
            }
        }
    }
}

/// The start tag of the snippet's listener script: the asset's
/// `<script src=".../portal-<hash>.js">`, or the inline one.
fn snippet_script(html: &str) -> Option<&str> {
    html.match_indices("<script").find_map(|(start, _)| {
        let end = start + html[start..].find('>')?;
        let tag = &html[start..=end];
        let body = &html[end + 1..];
        let inline = body.trim_start().starts_with("/* scalekit-tower");
        let asset = tag.contains(" src=") && tag.contains("portal-");
        (inline || asset).then_some(tag)
    })
}

fn connect_src(policy: &str, page_origin: &str) -> Verdict {
    const CHECK: &str = "page connect-src";
    match effective(policy, &["connect-src", "default-src"]) {
        None => Verdict::pass(CHECK, "no connect-src or default-src"),
        Some((sources, name)) if allows(sources, page_origin, Some(page_origin)) => Verdict::pass(
            CHECK,
            format!("{name} allows the refresh and status endpoints ({page_origin})"),
        ),
        Some((sources, name)) => Verdict::fail(
            CHECK,
            format!("{name} {sources} blocks the refresh and status endpoints"),
            "add 'self' to connect-src",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_match_like_a_browser() {
        let portal = "https://acme.scalekit.com";
        assert!(allows("'self' https://acme.scalekit.com", portal, None));
        assert!(allows("https://*.scalekit.com", portal, None));
        assert!(allows("https:", portal, None));
        assert!(allows("*", portal, None));
        assert!(!allows("'self'", portal, Some("https://app.example.com")));
        assert!(allows("'self'", portal, Some(portal)));
        assert!(!allows("'none'", portal, None));
        assert!(!allows(
            "https://acme.scalekit.com.evil.example",
            portal,
            None
        ));
        assert_eq!(
            directive("default-src 'self'; frame-src https://a", "frame-src"),
            Some("https://a")
        );
        assert_eq!(directive("default-src 'self'", "frame-src"), None);
    }

    #[test]
    fn the_snippet_script_is_found_in_both_modes() {
        let asset = r#"<script type="application/json" data-scalekit-config nonce="n">{}</script>
<script src="/scalekit/portal-0123456789abcdef.js" integrity="sha384-x" nonce="n"></script>"#;
        assert!(snippet_script(asset).is_some_and(|tag| tag.contains("src=")));
        let inline =
            "<script nonce=\"n\">\n/* scalekit-tower: listener */(function(){})({});</script>";
        assert!(snippet_script(inline).is_some());
        assert!(snippet_script("<script>alert(1)</script>").is_none());
    }
}
