use std::time::Duration;

use minijinja::{Environment, context};
use url::Url;

use super::*;

const HOSTILE: &str = "\"><script>alert(1)</script>'&\u{2028}\u{2029}</script><!--";

pub(super) fn link(location: &str) -> PortalLink {
    PortalLink::new(
        "lnk_1",
        Url::parse(location).unwrap(),
        time::OffsetDateTime::UNIX_EPOCH,
    )
}

fn hostile_embed() -> PortalEmbed {
    PortalEmbed::new()
        .with_iframe_id(HOSTILE)
        .with_refresh_url(HOSTILE)
        .with_status_url(HOSTILE)
        .with_title(HOSTILE)
        .with_nonce(HOSTILE)
        .with_unavailable_message(HOSTILE)
        .with_load_timeout_message(HOSTILE)
        .with_retry_label(HOSTILE)
}

/// The part of the output inside the `<script>` element.
fn script_body(html: &str) -> &str {
    let start = html.find("<script").unwrap();
    let open_end = start + html[start..].find('>').unwrap() + 1;
    let close = open_end + html[open_end..].find("</script").unwrap();
    &html[open_end..close]
}

/// The listener's configuration as it is in the page: the JSON argument of
/// the inline script, or the text of the asset's configuration element.
fn config_text(html: &str) -> &str {
    let body = script_body(html).trim_end();
    match body.strip_suffix(");") {
        Some(call) => &call[call.rfind("})(").unwrap() + 3..],
        None => body,
    }
}

/// [`config_text`] parsed.
fn config_json(html: &str) -> serde_json::Value {
    serde_json::from_str(config_text(html)).unwrap()
}

fn user_env() -> Environment<'static> {
    let mut env = Environment::new();
    register(&mut env).unwrap();
    env
}

fn render_with(
    env: &Environment<'_>,
    name: &str,
    link: Option<&PortalLink>,
    embed: &PortalEmbed,
) -> String {
    env.get_template(name)
        .unwrap()
        .render(context! { scalekit => context(link, embed) })
        .unwrap()
}

#[test]
fn iframe_has_the_required_attributes() {
    let html = render_iframe(
        Some(&link("https://acme.scalekit.dev/magicLink/abc")),
        &PortalEmbed::new(),
    );
    for attribute in [
        r#"id="scalekit-portal""#,
        // minijinja's HTML escaping also escapes `/`; browsers decode it.
        r#"src="https:&#x2f;&#x2f;acme.scalekit.dev&#x2f;magicLink&#x2f;abc""#,
        r#"width="100%""#,
        r#"height="700""#,
        r#"allow="clipboard-write""#,
        r#"title="Single sign-on and directory settings""#,
        r#"id="scalekit-portal-status""#,
        r#"id="scalekit-portal-message""#,
        r#"id="scalekit-portal-retry""#,
        r#"id="scalekit-portal-container""#,
        r#"data-scalekit-state="loading""#,
    ] {
        assert!(html.contains(attribute), "{attribute} missing in {html}");
    }
    // With a link the status box starts hidden and the iframe visible.
    assert!(
        html.contains(r#"role="status" aria-live="polite" hidden>"#),
        "{html}"
    );
    assert!(!html.contains("clipboard-write\" loading=\"eager\" hidden"));
}

#[test]
fn hostile_location_is_escaped() {
    // `'` in the path and `&` in the query survive URL parsing unencoded;
    // `"` and `<` would be percent-encoded, `'` too in a query.
    let link = link("https://acme.scalekit.dev/magicLink/x'onload='alert(1)'?a=1&b=<\"x>");
    assert!(
        link.location().as_str().contains("'onload='"),
        "{}",
        link.location()
    );
    assert!(
        link.location().as_str().contains("a=1&b="),
        "{}",
        link.location()
    );
    let html = render_portal(Some(&link), &PortalEmbed::new());
    assert!(
        html.contains("src=\"https:&#x2f;&#x2f;acme.scalekit.dev&#x2f;magicLink&#x2f;x&#x27;onload=&#x27;alert(1)&#x27;?a=1&amp;b=%3C%22x%3E\""),
        "{html}"
    );
    assert!(!html.contains("'onload='"));
    // The script gets the portal origin only, never the link.
    assert!(!script_body(&html).contains("magicLink"));
}

#[test]
fn hostile_config_values_are_escaped_in_html_and_script() {
    let link = link("https://acme.scalekit.dev/magicLink/abc");
    let inline = hostile_embed().with_inline_listener();
    for (html, scripts) in [
        (render_portal(Some(&link), &hostile_embed()), 2),
        (render_portal(None, &hostile_embed()), 2),
        (render_portal(Some(&link), &inline), 1),
        (render_portal(None, &inline), 1),
    ] {
        // Only our own script elements, each opened once and closed once.
        assert_eq!(html.matches("<script").count(), scripts, "{html}");
        assert_eq!(html.matches("</script").count(), scripts, "{html}");
        assert!(!html.contains("<!--"), "{html}");
        let config = config_text(&html);
        for raw in ['<', '>', '&', '\'', '\u{2028}', '\u{2029}'] {
            assert!(
                !config.contains(raw),
                "raw {raw:?} in script config: {config}"
            );
        }
        // The hostile strings come back intact once the JSON is parsed.
        let config = config_json(&html);
        assert_eq!(config["iframeId"], HOSTILE);
        assert_eq!(config["refreshUrl"], HOSTILE);
        assert_eq!(config["statusUrl"], HOSTILE);
        assert_eq!(config["messages"]["unavailable"], HOSTILE);
        assert_eq!(config["messages"]["loadTimeout"], HOSTILE);
        assert_eq!(config["handoffUrl"], PortalEmbed::DEFAULT_HANDOFF_URL);
        // In attributes and text, every `"` and `<` is an entity.
        assert!(
            html.contains(
                r#"nonce="&quot;&gt;&lt;script&gt;alert(1)&lt;&#x2f;script&gt;&#x27;&amp;"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"id="&quot;&gt;&lt;script&gt;"#), "{html}");
        assert!(
            html.contains(r#"title="&quot;&gt;&lt;script&gt;"#),
            "{html}"
        );
    }
}

#[test]
fn script_config_is_json_with_html_special_characters_escaped() {
    let json = script_json(&serde_json::json!({ "a": HOSTILE }));
    assert!(
        !json.contains(['<', '>', '&', '\'', '\u{2028}', '\u{2029}']),
        "{json}"
    );
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back["a"], HOSTILE);
}

#[test]
fn minijinja_path_and_plain_functions_render_the_same_html() {
    let env = user_env();
    let link = link("https://acme.scalekit.dev/magicLink/abc");
    let embeds = [
        PortalEmbed::new(),
        hostile_embed(),
        PortalEmbed::new().with_nonce("abc").with_height(900),
    ];
    for embed in &embeds {
        for link in [Some(&link), None] {
            assert_eq!(
                render_with(&env, PORTAL_TEMPLATE, link, embed),
                render_portal(link, embed)
            );
            assert_eq!(
                render_with(&env, IFRAME_TEMPLATE, link, embed),
                render_iframe(link, embed)
            );
            assert_eq!(
                render_with(&env, SCRIPT_TEMPLATE, link, embed),
                render_script(link, embed)
            );
        }
    }
    let portal = render_portal(Some(&link), &embeds[0]);
    assert_eq!(
        portal,
        format!(
            "{}{}",
            render_iframe(Some(&link), &embeds[0]),
            render_script(Some(&link), &embeds[0])
        )
    );
}

#[test]
fn templates_render_the_same_in_an_unusual_environment() {
    // An app environment with everything set against us: no auto-escaping,
    // whitespace control on, strict undefined.
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .unwrap(),
    );
    register(&mut env).unwrap();
    let embed = hostile_embed();
    assert_eq!(
        render_with(&env, PORTAL_TEMPLATE, None, &embed),
        render_portal(None, &embed)
    );
}

#[test]
fn height_has_a_minimum_of_600() {
    assert_eq!(PortalEmbed::new().height(), 700);
    assert_eq!(
        PortalEmbed::new().with_height(0).height(),
        PortalEmbed::MIN_HEIGHT
    );
    assert_eq!(PortalEmbed::new().with_height(599).height(), 600);
    let html = render_iframe(None, &PortalEmbed::new().with_height(10));
    assert!(html.contains(r#"height="600""#), "{html}");
}

#[test]
fn nonce_lands_on_the_script_tag() {
    let embed = PortalEmbed::new().with_nonce("Zm9vYmFy+/==");
    let html = render_portal(None, &embed.clone().with_inline_listener());
    assert!(
        html.contains(r#"<script nonce="Zm9vYmFy+&#x2f;=="#),
        "{html}"
    );
    let html = render_script(None, &PortalEmbed::new().with_inline_listener());
    assert!(html.starts_with("<script>\n"), "{html}");
    // The asset's tag and its configuration element carry the nonce too.
    let html = render_script(None, &embed);
    assert_eq!(
        html.matches(r#"nonce="Zm9vYmFy+&#x2f;==""#).count(),
        2,
        "{html}"
    );
    let html = render_script(None, &PortalEmbed::new());
    assert!(!html.contains("nonce"), "{html}");
}

#[test]
fn asset_mode_references_the_cached_script_with_its_integrity() {
    let asset = ListenerAsset::new();
    let link = link("https://acme.scalekit.dev/magicLink/abc");
    let embed = PortalEmbed::new().with_nonce("n0nce");
    let html = render_script(Some(&link), &embed);
    let src = asset.url().replace('/', "&#x2f;");
    let integrity = asset.integrity().replace('/', "&#x2f;");
    assert!(
        html.ends_with(&format!(
            r#"<script src="{src}" integrity="{integrity}" nonce="n0nce"></script>"#
        )),
        "{html}"
    );
    assert!(
        html.starts_with(
            r#"<script type="application/json" id="scalekit-portal-config" data-scalekit-config nonce="n0nce">{"#
        ),
        "{html}"
    );
    assert_eq!(config_json(&html)["iframeId"], "scalekit-portal");
    // The page carries the markup and the configuration, not the code.
    let page = render_portal(Some(&link), &embed);
    assert!(!page.contains("addEventListener"), "{page}");
    assert!(page.len() < 2_500, "{} bytes", page.len());
    let inline = render_portal(Some(&link), &embed.clone().with_inline_listener());
    assert!(inline.len() > page.len() + PORTAL_JS.len() / 2);
    // Another URL, where the app serves the asset.
    let elsewhere = ListenerAsset::under("/static");
    let html = render_script(None, &embed.with_listener_url(elsewhere.url()));
    assert!(
        html.contains(&elsewhere.url().replace('/', "&#x2f;")),
        "{html}"
    );
}

#[test]
fn the_new_tab_link_goes_to_the_handoff_url_hidden_until_needed() {
    let html = render_iframe(
        None,
        &PortalEmbed::new().with_handoff_url("/settings/portal/open"),
    );
    assert!(
        html.contains(
            r#"<a id="scalekit-portal-open" class="scalekit-portal-open" href="&#x2f;settings&#x2f;portal&#x2f;open" target="_blank" rel="noopener noreferrer" hidden>Open in a new tab</a>"#
        ),
        "{html}"
    );
    let html = render_portal(None, &PortalEmbed::new().with_handoff_url(""));
    assert!(!html.contains("scalekit-portal-open"), "{html}");
    assert_eq!(config_json(&html)["handoffUrl"], "");
}

#[test]
fn output_has_no_inline_handlers_or_styles() {
    let link = link("https://acme.scalekit.dev/magicLink/abc");
    for html in [
        render_portal(Some(&link), &PortalEmbed::new()),
        render_portal(None, &PortalEmbed::new()),
    ] {
        let markup = html.replace(script_body(&html), "");
        let lower = markup.to_ascii_lowercase();
        for token in lower.split(|c: char| c.is_ascii_whitespace() || c == '<') {
            assert!(
                !(token.starts_with("on") && token.contains('=')),
                "inline handler {token} in {markup}"
            );
            assert!(!token.starts_with("style="), "inline style in {markup}");
        }
        assert!(!lower.contains("<style"), "{markup}");
        assert!(!lower.contains("javascript:"), "{markup}");
    }
}

#[test]
fn no_link_renders_the_fallback_and_a_hidden_frame() {
    let html = render_iframe(None, &PortalEmbed::new());
    assert!(!html.contains("src="), "{html}");
    assert!(
        html.contains(r#"class="scalekit-portal-frame" hidden"#),
        "{html}"
    );
    assert!(
        html.contains(r#"data-scalekit-state="unavailable""#),
        "{html}"
    );
    assert!(
        html.contains(r#"role="status" aria-live="polite">"#),
        "{html}"
    );
    assert!(
        html.contains(">The single sign-on settings could not be loaded.</p>"),
        "{html}"
    );
    assert!(html.contains(">Try again</button>"), "{html}");
    let config = config_json(&render_script(None, &PortalEmbed::new()));
    assert_eq!(config["hasLink"], false);
    assert_eq!(config["portalOrigin"], serde_json::Value::Null);
}

#[test]
fn portal_origin_comes_from_the_link_or_the_config() {
    let custom = link("https://auth.example.com/magicLink/abc");
    let config = config_json(&render_script(Some(&custom), &PortalEmbed::new()));
    assert_eq!(config["portalOrigin"], "https://auth.example.com");
    assert_eq!(config["hasLink"], true);

    let explicit = PortalEmbed::new()
        .with_portal_origin(&Url::parse("http://127.0.0.1:8081/ignored").unwrap())
        .unwrap();
    let config = config_json(&render_script(None, &explicit));
    assert_eq!(config["portalOrigin"], "http://127.0.0.1:8081");

    let error = PortalEmbed::new()
        .with_portal_origin(&Url::parse("data:text/html,x").unwrap())
        .unwrap_err();
    assert!(error.to_string().contains("portal_origin"));
}

#[test]
fn non_http_locations_are_not_rendered() {
    let hostile = link("javascript:alert(document.domain)");
    let html = render_portal(Some(&hostile), &PortalEmbed::new());
    assert!(!html.contains("javascript:alert"), "{html}");
    assert_eq!(config_json(&html)["portalOrigin"], serde_json::Value::Null);
    assert!(html.contains(r#"data-scalekit-state="unavailable""#));
}

#[test]
fn script_config_carries_timeouts_and_limits() {
    let embed = PortalEmbed::new()
        .with_refresh_url("/settings/portal/refresh")
        .with_load_timeout(Duration::from_secs(3))
        .with_refresh_retries(2, Duration::from_millis(250))
        .with_refresh_limit(4, Duration::from_secs(30));
    let config = config_json(&render_script(None, &embed));
    assert_eq!(config["refreshUrl"], "/settings/portal/refresh");
    assert_eq!(config["statusUrl"], PortalEmbed::DEFAULT_STATUS_URL);
    let custom = PortalEmbed::new().with_status_url("/settings/portal/status");
    assert_eq!(
        config_json(&render_script(None, &custom))["statusUrl"],
        "/settings/portal/status"
    );
    assert_eq!(config["iframeId"], "scalekit-portal");
    assert_eq!(config["loadTimeoutMs"], 3000);
    assert_eq!(config["refreshRetries"], 2);
    assert_eq!(config["refreshBackoffMs"], 250);
    assert_eq!(config["refreshLimit"], 4);
    assert_eq!(config["refreshWindowMs"], 30000);

    let config = config_json(&render_script(
        None,
        &PortalEmbed::new().without_load_timeout(),
    ));
    assert_eq!(config["loadTimeoutMs"], 0);
    let config = config_json(&render_script(
        None,
        &PortalEmbed::new().with_load_timeout(Duration::MAX),
    ));
    assert_eq!(config["loadTimeoutMs"], i32::MAX);
}

#[test]
fn script_source_is_safe_to_inline() {
    let lower = PORTAL_JS.to_ascii_lowercase();
    assert!(!lower.contains("</script"));
    assert!(!lower.contains("<!--"));
    assert!(!lower.contains("<script"));
    assert!(!PORTAL_JS.contains(['\u{2028}', '\u{2029}']));
    // Every value reaches the script through its JSON argument, so the code is constant.
    let html = render_script(None, &hostile_embed().with_inline_listener());
    assert!(script_body(&html).contains(PORTAL_JS.trim_end()));
}

#[test]
fn several_embeds_get_distinct_ids() {
    let first = render_portal(None, &PortalEmbed::new().with_iframe_id("sso"));
    let second = render_portal(None, &PortalEmbed::new().with_iframe_id("scim"));
    assert!(first.contains(r#"id="sso-retry""#) && second.contains(r#"id="scim-retry""#));
    assert_eq!(config_json(&first)["iframeId"], "sso");
    assert_eq!(config_json(&second)["iframeId"], "scim");
    assert_eq!(
        PortalEmbed::new().with_iframe_id("").iframe_id(),
        "scalekit-portal"
    );
}

#[test]
fn debug_hides_the_nonce() {
    let debug = format!("{:?}", PortalEmbed::new().with_nonce("secret-nonce"));
    assert!(!debug.contains("secret-nonce"), "{debug}");
}

/// Runs `templates/portal.test.js` (the listener's behaviour against a fake
/// DOM) when Node.js is installed; the real-browser tests cover it otherwise.
#[test]
fn listener_script_behaves_in_node() {
    let test = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/portal.test.js");
    let output = match std::process::Command::new("node").arg(test).output() {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("node not found: skipping {test}");
            return;
        }
        Err(error) => panic!("running node: {error}"),
    };
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
