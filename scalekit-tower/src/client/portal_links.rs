//! Minting a portal link, and reading the `portal_links` response defensively.
//!
//! ```
//! use scalekit_tower::{Client, Config, Feature, OrganizationId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = scalekit_emulator::Emulator::builder().start().await?;
//! # let config = Config::builder().environment_url(emulator.base_url())
//! #     .client_id(emulator.client_id()).client_secret(emulator.client_secret()).build()?;
//! let client = Client::new(config)?;
//! let org = OrganizationId::new(scalekit_emulator::demo::ACME_ID)?;
//! let link = client.generate_portal_link(&org, &[Feature::Sso]).await?;
//! assert!(link.location().path().starts_with("/magicLink/"));
//! # Ok(()) }
//! ```
//!
//! Scalekit documents the link both wrapped (`{"link":{...}}`, snake_case) and
//! flat (camelCase `expireTime`); both are accepted. The `location` is what
//! ends up in the app's iframe, so it is accepted only if it is an http(s) URL
//! on the configured portal origin, without user information.

use std::borrow::Cow;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::transport::{Answer, Replay};
use crate::client::{Client, record_outcome};
use crate::error::Error;
use crate::http_url;
use crate::link::{Feature, PortalLink};
use crate::organization_id::OrganizationId;

impl Client {
    /// Mints a single-use admin-portal link for `organization`.
    ///
    /// `features` selects the portal sections (empty: what the organization has
    /// enabled). The link must be loaded within a minute and only once: mint one
    /// per page render and never cache it.
    pub async fn generate_portal_link(
        &self,
        organization: &OrganizationId,
        features: &[Feature],
    ) -> Result<PortalLink, Error> {
        let deadline = Instant::now() + self.config().timeout();
        self.generate_portal_link_until(organization, features, deadline)
            .await
    }

    /// [`generate_portal_link`](Self::generate_portal_link) with a deadline
    /// the caller already started (the layer's, shared with its resolver).
    pub(crate) async fn generate_portal_link_until(
        &self,
        organization: &OrganizationId,
        features: &[Feature],
        deadline: Instant,
    ) -> Result<PortalLink, Error> {
        let span = tracing::info_span!(
            "scalekit.generate_portal_link",
            org_id = %organization,
            features = features.len(),
            latency_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = async {
            let mut url = self.api_url(&["organizations", organization.as_str(), "portal_links"]);
            if !features.is_empty() {
                let mut query = url.query_pairs_mut();
                for feature in features {
                    query.append_pair("features", feature.as_str());
                }
            }
            let answer = self
                .send_authorized_until(deadline, Replay::Always, |http| http.put(url.clone()))
                .await
                .map_err(|err| name_doubtful_feature(err, features))?;
            parse_portal_link(&answer.body, self.config().portal_origin())
                .map_err(|e| with_status(e, &answer))
        }
        .instrument(span.clone())
        .await;
        record_outcome(&span, started, &result);
        result
    }
}

/// A 400 for a request that named `domain_verification`, which not every
/// Scalekit server accepts (see [`Feature::DomainVerification`]), says so.
fn name_doubtful_feature(err: Error, features: &[Feature]) -> Error {
    match err {
        Error::InvalidArgument {
            message,
            api: Some(api),
        } if features.contains(&Feature::DomainVerification) => Error::InvalidArgument {
            message: format!(
                "Scalekit refused the portal link request ({message}); it asked for the portal \
                 feature `domain_verification`, which this Scalekit environment may not support: \
                 request the link without Feature::DomainVerification"
            ),
            api: Some(api),
        },
        other => other,
    }
}

/// Puts the answer's status on a parse error that has none.
fn with_status(err: Error, answer: &Answer) -> Error {
    match err {
        Error::UnexpectedResponse {
            status: None,
            reason,
        } => Error::UnexpectedResponse {
            status: Some(answer.status),
            reason,
        },
        other => other,
    }
}

/// How long an unused link lives when Scalekit does not say.
const DOCUMENTED_LINK_LIFETIME: time::Duration = time::Duration::minutes(1);

/// The link's fields, borrowed from the body where JSON allows it (a string
/// without escapes): the location and expiry are only read, not kept.
#[derive(Deserialize)]
struct WireLink<'a> {
    #[serde(default, borrow)]
    id: Option<Text<'a>>,
    #[serde(default, borrow)]
    location: Option<Text<'a>>,
    #[serde(default, borrow, alias = "expireTime")]
    expire_time: Option<Text<'a>>,
}

/// A JSON string, borrowed unless it has escapes (serde borrows a `Cow`
/// only as a field of its own, not inside an `Option`).
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// The documented shape, `{"link":{...}}`, read straight into [`WireLink`].
#[derive(Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    link: WireLink<'a>,
}

/// Parses and checks a `portal_links` response body.
pub(crate) fn parse_portal_link(body: &[u8], portal_origin: &str) -> Result<PortalLink, Error> {
    let unexpected = |reason: String| Error::UnexpectedResponse {
        status: None,
        reason,
    };
    // The usual answer parses in one pass. Anything else (flat, `link` not an
    // object, a field of the wrong type) takes the general path below, which
    // decides exactly as before: building a `serde_json::Value` and cloning
    // the `link` object cost every mint about a microsecond.
    // The general path's JSON, which its `WireLink` borrows from.
    let object: serde_json::Value;
    let wire = match serde_json::from_slice::<Wrapped<'_>>(body) {
        Ok(wrapped) => wrapped.link,
        Err(_) => {
            let value: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| unexpected(format!("portal link response is not JSON: {e}")))?;
            object = match value.get("link") {
                Some(link) if link.is_object() => link.clone(),
                _ => value,
            };
            if !object.is_object() {
                return Err(unexpected(
                    "portal link response is not a JSON object".into(),
                ));
            }
            WireLink::deserialize(&object)
                .map_err(|e| unexpected(format!("portal link response has the wrong shape: {e}")))?
        }
    };
    let raw_location = wire
        .location
        .map(|Text(l)| l)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| unexpected("portal link response has no `location`".into()))?;
    let location = checked_location(&raw_location, portal_origin)?;
    let expires_at = match wire.expire_time.map(|Text(t)| t).filter(|t| !t.is_empty()) {
        Some(raw) => OffsetDateTime::parse(&raw, &Rfc3339)
            .map_err(|e| unexpected(format!("portal link `expire_time` is not RFC 3339 ({e})")))?,
        None => OffsetDateTime::now_utc() + DOCUMENTED_LINK_LIFETIME,
    };
    Ok(PortalLink::new(
        wire.id.map(|Text(id)| id.into_owned()).unwrap_or_default(),
        location,
        expires_at,
    ))
}

/// Accepts `raw` only as an http(s) URL on `portal_origin`, without userinfo.
pub(crate) fn checked_location(raw: &str, portal_origin: &str) -> Result<Url, Error> {
    let refuse = |why: &str| Error::UnexpectedResponse {
        status: None,
        reason: format!(
            "portal link location refused: {why}; links must be on the portal origin {portal_origin} \
             (set SCALEKIT_PORTAL_ORIGIN if your portal uses a custom domain)"
        ),
    };
    let url = Url::parse(raw).map_err(|_| refuse("it is not an absolute URL"))?;
    http_url::check(&url).map_err(|shape| refuse(&shape.to_string()))?;
    // Without userinfo, `scheme://host[:port]` of an http(s) URL is its
    // origin's serialization (the parser already lower-cased the host and
    // dropped a default port), compared here without allocating it.
    if &url[..url::Position::BeforePath] != portal_origin {
        return Err(refuse("it points to another origin"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://acme.scalekit.dev";

    #[test]
    fn wrapped_snake_case() {
        let body = br#"{"link":{"id":"lnk_123","location":"https://acme.scalekit.dev/magicLink/8930509d","expire_time":"2024-02-06T14:48:00Z"}}"#;
        let link = parse_portal_link(body, ORIGIN).unwrap();
        assert_eq!(link.id(), "lnk_123");
        assert_eq!(
            link.location().as_str(),
            "https://acme.scalekit.dev/magicLink/8930509d"
        );
        assert_eq!(link.expires_at().unix_timestamp(), 1_707_230_880);
    }

    #[test]
    fn escaped_json_strings_are_read_like_plain_ones() {
        // Escapes make serde copy the string instead of borrowing it.
        let body = br#"{"link":{"id":"lnk_\u0031","location":"https:\/\/acme.scalekit.dev\/magicLink\/1","expire_time":"2024-02-06T14:48:00Z"}}"#;
        let link = parse_portal_link(body, ORIGIN).unwrap();
        assert_eq!(link.id(), "lnk_1");
        assert_eq!(
            link.location().as_str(),
            "https://acme.scalekit.dev/magicLink/1"
        );
        let flat = br#"{"id":"lnk_\u0032","location":"https:\/\/acme.scalekit.dev\/m"}"#;
        assert_eq!(parse_portal_link(flat, ORIGIN).unwrap().id(), "lnk_2");
    }

    #[test]
    fn flat_camel_case_with_fraction() {
        let body = br#"{"id":"x","location":"https://acme.scalekit.dev/magicLink/1","expireTime":"2024-10-03T13:35:50.563013Z"}"#;
        let link = parse_portal_link(body, ORIGIN).unwrap();
        assert_eq!(link.expires_at().nanosecond(), 563_013_000);
    }

    #[test]
    fn zero_to_nine_fraction_digits_and_offsets() {
        for (stamp, nanos) in [
            ("2024-10-03T13:35:50Z", 0),
            ("2024-10-03T13:35:50.5Z", 500_000_000),
            ("2024-10-03T13:35:50.123456789Z", 123_456_789),
            ("2024-10-03T15:35:50.1+02:00", 100_000_000),
        ] {
            let body = format!(
                r#"{{"link":{{"location":"https://acme.scalekit.dev/m/1","expire_time":"{stamp}"}}}}"#
            );
            let link = parse_portal_link(body.as_bytes(), ORIGIN).unwrap();
            assert_eq!(link.expires_at().nanosecond(), nanos, "{stamp}");
            assert_eq!(link.expires_at().unix_timestamp(), 1_727_962_550, "{stamp}");
        }
    }

    #[test]
    fn hostile_locations_are_refused() {
        for location in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://evil.test/magicLink/1",
            "https://acme.scalekit.dev.evil.test/magicLink/1",
            "https://acme.scalekit.dev@evil.test/magicLink/1",
            "https://user@acme.scalekit.dev/magicLink/1",
            "http://acme.scalekit.dev/magicLink/1",
            "https://acme.scalekit.dev:8443/magicLink/1",
            "//acme.scalekit.dev/magicLink/1",
            "/magicLink/1",
        ] {
            let body = serde_json::json!({"link": {"location": location}}).to_string();
            let err = parse_portal_link(body.as_bytes(), ORIGIN).unwrap_err();
            assert!(
                err.to_string().contains("location refused"),
                "{location}: {err}"
            );
        }
    }

    #[test]
    fn origin_is_compared_after_normalisation() {
        for location in [
            "https://ACME.scalekit.dev/magicLink/1",
            "https://acme.scalekit.dev:443/magicLink/1",
            "HTTPS://acme.scalekit.dev/magicLink/1?x=1#y",
        ] {
            let body = serde_json::json!({"link": {"location": location}}).to_string();
            let link = parse_portal_link(body.as_bytes(), ORIGIN).unwrap();
            assert!(
                link.location()
                    .as_str()
                    .starts_with("https://acme.scalekit.dev/")
            );
        }
    }

    #[test]
    fn a_link_field_that_is_not_an_object_means_the_flat_shape() {
        let body = br#"{"link":"ignored","location":"https://acme.scalekit.dev/m/1","id":"lnk_9"}"#;
        assert_eq!(parse_portal_link(body, ORIGIN).unwrap().id(), "lnk_9");
        let body = br#"{"link":null,"location":"https://acme.scalekit.dev/m/2"}"#;
        assert!(parse_portal_link(body, ORIGIN).is_ok());
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        for body in [
            &b"{"[..],
            b"null",
            b"[]",
            b"\"x\"",
            br#"{"link":{}}"#,
            br#"{"link":{"location":""}}"#,
            br#"{"link":{"location":"https://acme.scalekit.dev/m","expire_time":"yesterday"}}"#,
            br#"{"link":{"location":5}}"#,
        ] {
            let err = parse_portal_link(body, ORIGIN).unwrap_err();
            assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err}");
        }
    }

    #[test]
    fn missing_expiry_defaults_to_the_documented_minute() {
        let link =
            parse_portal_link(br#"{"location":"https://acme.scalekit.dev/m/1"}"#, ORIGIN).unwrap();
        let left = link.expires_at() - OffsetDateTime::now_utc();
        assert!(left > time::Duration::seconds(55) && left <= time::Duration::seconds(60));
    }
}
