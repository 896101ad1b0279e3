//! The built-in snippets rendered once per configuration and portal origin,
//! with each page's location and nonce spliced in.
//!
//! A built-in snippet depends on the link only through its location (the
//! iframe's `src`) and that location's origin (the listener's portal origin),
//! and on the nonce only through the `nonce` attributes. So the first render
//! for a [`PortalEmbed`] (its nonce aside), a template and an origin renders
//! the template once more with placeholder values, cuts that output at the
//! placeholders, and checks the cut against the full render of the real
//! values. Later renders escape the location and the nonce as the templates
//! do (HTML, [`HtmlEscape`]) and join the pieces: no context, no template
//! run, one allocation. A cut that does not reproduce the full render (a
//! configuration whose texts contain a placeholder) is never used: that
//! configuration renders through the template every time.
//!
//! Rendering through minijinja cost about 118,000 instructions and 94
//! allocations per page (BENCHMARKS.md, benchmark 10); a spliced page a few
//! thousand instructions and one allocation.

use std::sync::{Arc, Mutex, PoisonError};

use minijinja::HtmlEscape;
use url::{Position, Url};

use super::embed::PortalEmbed;
use crate::http_url;
use crate::link::PortalLink;

/// The configurations kept; more are rendered as before, the oldest dropped.
const MAX_ENTRIES: usize = 16;
/// The placeholder location's path (on the real location's origin).
const SRC_PLACEHOLDER_PATH: &str = "/scalekit-prerender-src-5f0c2a91";
/// The placeholder nonce.
const NONCE_PLACEHOLDER: &str = "scalekit-prerender-nonce-5f0c2a91";

/// What goes between two pieces of constant text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Src,
    Nonce,
}

/// A rendered snippet cut at its slots: text, slot, text, slot, ..., text.
#[derive(Debug)]
struct Cut {
    texts: Vec<String>,
    slots: Vec<Slot>,
    text_len: usize,
}

impl Cut {
    /// Cuts `rendered` wherever the escaped placeholders appear.
    fn new(rendered: &str, src_placeholder: &str) -> Self {
        let (src, nonce) = (escaped(src_placeholder), escaped(NONCE_PLACEHOLDER));
        let (mut texts, mut slots, mut rest) = (Vec::new(), Vec::new(), rendered);
        loop {
            let next = [(Slot::Src, &src), (Slot::Nonce, &nonce)]
                .into_iter()
                .filter_map(|(slot, placeholder)| {
                    rest.find(placeholder.as_str())
                        .map(|at| (at, slot, placeholder.len()))
                })
                .min_by_key(|(at, _, _)| *at);
            let Some((at, slot, len)) = next else { break };
            texts.push(rest[..at].to_owned());
            slots.push(slot);
            rest = &rest[at + len..];
        }
        texts.push(rest.to_owned());
        let text_len = texts.iter().map(String::len).sum();
        Self {
            texts,
            slots,
            text_len,
        }
    }

    /// The snippet for `location` and `nonce`.
    fn splice(&self, location: &str, nonce: Option<&str>) -> String {
        let mut out = String::with_capacity(self.text_len + 2 * location.len() + 64);
        for (text, slot) in self
            .texts
            .iter()
            .zip(self.slots.iter().map(Some).chain([None]))
        {
            out.push_str(text);
            let value = match slot {
                Some(Slot::Src) => location,
                Some(Slot::Nonce) => nonce.unwrap_or_default(),
                None => continue,
            };
            escape_into(&mut out, value);
        }
        out
    }
}

/// Appends `value` escaped as the templates' HTML auto-escape does
/// (minijinja's [`HtmlEscape`]: `< > & " ' /`), straight into `out`:
/// through `fmt::Write`, each run of plain text was a call through a vtable,
/// about 900 instructions per page for the location alone.
fn escape_into(out: &mut String, value: &str) {
    let mut plain = 0;
    for (at, byte) in value.bytes().enumerate() {
        let entity = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            b'/' => "&#x2f;",
            _ => continue,
        };
        // `at` is the index of an ASCII byte: a char boundary.
        out.push_str(&value[plain..at]);
        out.push_str(entity);
        plain = at + 1;
    }
    out.push_str(&value[plain..]);
}

fn escaped(value: &str) -> String {
    HtmlEscape(value).to_string()
}

/// One configuration: the template, the embed with the placeholder nonce
/// (or none), the portal origin the render depends on, and its cut (`None`:
/// render through the template).
struct Entry {
    template: &'static str,
    embed: PortalEmbed,
    origin: String,
    cut: Option<Arc<Cut>>,
}

static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// `template` rendered for `link` and `embed`, spliced when this
/// configuration was seen before. `render` renders through the template.
pub(super) fn render(
    template: &'static str,
    link: Option<&PortalLink>,
    embed: &PortalEmbed,
    render: impl Fn(Option<&PortalLink>, &PortalEmbed) -> String,
) -> String {
    // Without a usable location the snippet shows its failure state: rare,
    // rendered as is.
    let Some(link) = link.filter(|link| http_url::check(link.location()).is_ok()) else {
        return render(link, embed);
    };
    let location = link.location();
    // The template reads the location's origin only when the embed sets none.
    let origin = match embed.portal_origin {
        Some(_) => "",
        None => &location[..Position::BeforePath],
    };
    let found = {
        let cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .iter()
            .find(|entry| {
                entry.template == template
                    && entry.origin == origin
                    && entry.embed.same_except_nonce(embed)
                    && entry.embed.nonce.is_some() == embed.nonce.is_some()
            })
            .map(|entry| entry.cut.clone())
    };
    match found {
        Some(Some(cut)) => cut.splice(location.as_str(), embed.nonce.as_deref()),
        Some(None) => render(Some(link), embed),
        None => {
            let full = render(Some(link), embed);
            let entry = cut_for(template, link, embed, origin, &full, &render);
            let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= MAX_ENTRIES {
                cache.remove(0);
            }
            cache.push(entry);
            full
        }
    }
}

/// Renders the placeholders, cuts, and keeps the cut only if it reproduces
/// `full`, the render of the real values.
fn cut_for(
    template: &'static str,
    link: &PortalLink,
    embed: &PortalEmbed,
    origin: &str,
    full: &str,
    render: &impl Fn(Option<&PortalLink>, &PortalEmbed) -> String,
) -> Entry {
    let mut placeholder: Url = link.location().clone();
    placeholder.set_path(SRC_PLACEHOLDER_PATH);
    placeholder.set_query(None);
    placeholder.set_fragment(None);
    let mut placeholder_embed = embed.clone();
    placeholder_embed.nonce = embed.nonce.as_ref().map(|_| NONCE_PLACEHOLDER.to_owned());
    let rendered = render(
        Some(&PortalLink::new("", placeholder.clone(), link.expires_at())),
        &placeholder_embed,
    );
    let cut = Cut::new(&rendered, placeholder.as_str());
    let reproduces = cut.splice(link.location().as_str(), embed.nonce.as_deref()) == full;
    Entry {
        template,
        embed: placeholder_embed,
        origin: origin.to_owned(),
        cut: reproduces.then(|| Arc::new(cut)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::link;
    use super::super::{IFRAME_TEMPLATE, PORTAL_TEMPLATE, SCRIPT_TEMPLATE, render_fresh};
    use super::*;

    const HOSTILE: &str = "\"><script>alert(1)</script>'&\u{2028}</script><!--";

    /// Every template, twice (the first render fills the cache, the second
    /// splices), equals the template's own render.
    fn assert_same(link: Option<&PortalLink>, embed: &PortalEmbed) {
        for template in [PORTAL_TEMPLATE, IFRAME_TEMPLATE, SCRIPT_TEMPLATE] {
            let expected = render_fresh(template, link, embed);
            for round in 0..2 {
                let fresh = |link: Option<&PortalLink>, embed: &PortalEmbed| {
                    render_fresh(template, link, embed)
                };
                assert_eq!(
                    render(template, link, embed, fresh),
                    expected,
                    "{template}, round {round}, {embed:?}"
                );
            }
        }
    }

    proptest::proptest! {
        /// The splice's escape is minijinja's, character for character.
        #[test]
        fn the_splice_escapes_as_minijinja_does(value in "(?s).{0,64}|[<>&\"'/a\u{e9}\u{1f600}]{0,16}") {
            let mut out = String::from("x");
            escape_into(&mut out, &value);
            proptest::prop_assert_eq!(out, format!("x{}", HtmlEscape(&value)));
        }
    }

    #[test]
    fn spliced_pages_equal_rendered_pages() {
        let embeds = [
            PortalEmbed::new(),
            PortalEmbed::new().with_nonce("n0nce"),
            PortalEmbed::new().with_nonce(HOSTILE),
            PortalEmbed::new().with_inline_listener().with_nonce("abc"),
            PortalEmbed::new()
                .with_iframe_id(HOSTILE)
                .with_title(HOSTILE)
                .with_refresh_url(HOSTILE)
                .with_nonce("x/y"),
            PortalEmbed::new()
                .with_portal_origin(&Url::parse("https://portal.example.com").unwrap())
                .unwrap(),
        ];
        let links = [
            link("https://acme.scalekit.dev/magicLink/8930509d"),
            link("https://acme.scalekit.dev/magicLink/other?a=1&b=%22%3C#frag"),
            link("http://127.0.0.1:4010/magicLink/x"),
            link("https://other.example.com:8443/p/a'b\"c<d>"),
        ];
        for embed in &embeds {
            assert_same(None, embed);
            for link in &links {
                assert_same(Some(link), embed);
                // The same configuration with another nonce splices it in.
                assert_same(Some(link), &embed.clone().with_nonce("second"));
            }
        }
    }

    #[test]
    fn usual_configurations_are_spliced() {
        // A Scalekit link, and one as the emulator mints them (what the
        // examples and the side-by-side bench render).
        for link in [
            link("https://acme.scalekit.dev/magicLink/1?x=1"),
            link("http://127.0.0.1:45901/magicLink/a200f351-6076-4a8b-b322-a97bca533b02"),
        ] {
            usual_configurations_are_spliced_for(&link);
        }
    }

    fn usual_configurations_are_spliced_for(link: &PortalLink) {
        for embed in [
            PortalEmbed::new(),
            PortalEmbed::new().with_nonce("n0nce"),
            PortalEmbed::new()
                .with_inline_listener()
                .with_nonce("n0nce"),
        ] {
            for template in [PORTAL_TEMPLATE, IFRAME_TEMPLATE, SCRIPT_TEMPLATE] {
                let fresh = |link: Option<&PortalLink>, embed: &PortalEmbed| {
                    render_fresh(template, link, embed)
                };
                let full = fresh(Some(link), &embed);
                let entry = cut_for(template, link, &embed, "", &full, &fresh);
                assert!(entry.cut.is_some(), "{template}: {embed:?}");
            }
        }
    }

    #[test]
    fn each_page_gets_its_own_location_and_nonce() {
        let embed = PortalEmbed::new().with_iframe_id("own-location-test");
        let fresh = |link: Option<&PortalLink>, embed: &PortalEmbed| {
            render_fresh(PORTAL_TEMPLATE, link, embed)
        };
        let first = render(
            PORTAL_TEMPLATE,
            Some(&link("https://acme.scalekit.dev/magicLink/first")),
            &embed.clone().with_nonce("nonce1"),
            fresh,
        );
        let second = render(
            PORTAL_TEMPLATE,
            Some(&link("https://acme.scalekit.dev/magicLink/second")),
            &embed.clone().with_nonce("nonce2"),
            fresh,
        );
        assert!(first.contains("magicLink&#x2f;first") && first.contains("nonce=\"nonce1\""));
        assert!(second.contains("magicLink&#x2f;second") && second.contains("nonce=\"nonce2\""));
        assert!(!second.contains("first") && !second.contains("nonce1"));
    }

    #[test]
    fn texts_that_contain_a_placeholder_are_rendered_through_the_template() {
        let embed = PortalEmbed::new()
            .with_title(NONCE_PLACEHOLDER)
            .with_nonce("real");
        let link = link("https://acme.scalekit.dev/magicLink/1");
        assert_same(Some(&link), &embed);
        let html = super::super::render_portal(Some(&link), &embed);
        assert!(html.contains(&format!("title=\"{NONCE_PLACEHOLDER}\"")));
    }
}
