//! The portal's HTML, rendered from the minijinja templates in
//! `portal/templates/` (embedded at compile time, HTML auto-escaped, the
//! page configuration written with `tojson`).

use std::sync::LazyLock;

use minijinja::value::Serde;
use minijinja::{Environment, Value};
use serde::Serialize;

use crate::store::domains::Domain;

const SCRIPT: &str = include_str!("assets/portal.js");
const STYLE: &str = include_str!("assets/portal.css");

/// The page frame every page extends.
pub(crate) const BASE: &str = "base.html";
/// A live session's settings page.
pub(crate) const SESSION: &str = "session.html";
/// The page for a used, expired or unknown link.
pub(crate) const FAILURE: &str = "failure.html";
/// The list of domains inside the domain section.
pub(crate) const DOMAIN_LIST: &str = "domains.html";

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        (BASE, include_str!("templates/base.html")),
        (SESSION, include_str!("templates/session.html")),
        (FAILURE, include_str!("templates/failure.html")),
        (DOMAIN_LIST, include_str!("templates/domains.html")),
    ] {
        if let Err(err) = env.add_template(name, source) {
            // The sources are part of the crate; a unit test renders each.
            tracing::error!(%err, name, "portal template does not compile");
        }
    }
    env.add_global("portal_script", Value::from_safe_string(SCRIPT.to_owned()));
    env.add_global("portal_style", Value::from_safe_string(STYLE.to_owned()));
    env
});

/// Renders a template; an error (a bug in the templates) renders a plain
/// message rather than panicking.
pub(crate) fn render<S: Serialize>(name: &str, context: &S) -> String {
    TEMPLATES
        .get_template(name)
        .and_then(|template| template.render(Value::from(Serde(context))))
        .unwrap_or_else(|err| {
            tracing::error!(%err, name, "portal template failed to render");
            "<!doctype html><title>Admin portal</title><p>The page could not be rendered.</p>"
                .to_owned()
        })
}

/// One domain as the templates show it.
#[derive(Debug, Serialize)]
pub(crate) struct DomainView {
    id: String,
    name: String,
    status: &'static str,
    txt_name: String,
    txt_value: String,
}

impl DomainView {
    pub(crate) fn new(domain: &Domain) -> Self {
        Self {
            id: domain.id.clone(),
            name: domain.name.clone(),
            status: domain.verification_status.as_str(),
            txt_name: domain.txt_record_name(),
            txt_value: domain.txt_record_secret.clone(),
        }
    }
}

/// The views of a list of domains.
pub(crate) fn domain_views(domains: &[Domain]) -> Vec<DomainView> {
    domains.iter().map(DomainView::new).collect()
}

/// The `<li>` items of the domain list.
pub(crate) fn render_domain_list(domains: &[Domain]) -> String {
    render(
        DOMAIN_LIST,
        &serde_json::json!({ "domains": domain_views(domains) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for name in [BASE, SESSION, FAILURE, DOMAIN_LIST] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn domain_list_escapes_and_shows_the_txt_record() {
        let mut domain = Domain::new("org_1", "env_1", "acme.example".into());
        domain.name = "<b>x</b>.example".into();
        let html = render_domain_list(std::slice::from_ref(&domain));
        assert!(html.contains("&lt;b&gt;x"));
        assert!(!html.contains("<b>"));
        assert!(html.contains(&format!(r#"id="domain-verify-{}""#, domain.id)));
        assert!(html.contains(&domain.txt_record_secret));
        assert!(render_domain_list(&[]).contains(r#"id="domain-empty""#));
    }
}
