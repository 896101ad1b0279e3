//! How the kit's own endpoints answer: the browser endpoints (refresh,
//! status) and the webhook endpoint build every response here.
//!
//! Every answer with a body is JSON that no cache keeps and no browser
//! sniffs (`Cache-Control: no-store`, `X-Content-Type-Options: nosniff`).
//! A request that got no link answers the status and code of its
//! [`FailureKind`](crate::FailureKind), with `Retry-After` when known (both
//! decided in `failure.rs`); a bug on the kit's side answers 500, never a
//! refusal.

use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS,
};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::outcome::PortalLinkOutcome;

/// An endpoint's answer.
pub(crate) type Answer = Response<String>;

/// The `error` code of an answer to a bug on the kit's side.
const INTERNAL_ERROR: &str = "internal_error";

/// `body`, already JSON, with `status`, `no-store` and `nosniff`.
pub(crate) fn json(status: StatusCode, body: String) -> Answer {
    let mut response = Answer::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// `value` as JSON with 200; 500 `internal_error` when it does not serialize
/// (a bug, logged), never a refusal.
pub(crate) fn json_of<T: Serialize>(value: &T) -> Answer {
    match serde_json::to_string(value) {
        Ok(body) => json(StatusCode::OK, body),
        Err(err) => {
            tracing::error!(error = %err, "an answer did not serialize");
            internal_error()
        }
    }
}

/// `{"error": code}` with `status`.
pub(crate) fn error(status: StatusCode, code: &str) -> Answer {
    json(status, serde_json::json!({ "error": code }).to_string())
}

/// `{"error": code, "message": message}` with `status`: for senders that
/// read the message (the webhook endpoint).
#[cfg(feature = "webhook")]
pub(crate) fn error_with_message(status: StatusCode, code: &str, message: &str) -> Answer {
    json(
        status,
        serde_json::json!({ "error": code, "message": message }).to_string(),
    )
}

/// 500 `internal_error`: the kit failed, not the request.
pub(crate) fn internal_error() -> Answer {
    error(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_ERROR)
}

/// 405 with `Allow: allow`, answered as `answer` (whose status is replaced).
pub(crate) fn method_not_allowed(mut answer: Answer, allow: &'static str) -> Answer {
    *answer.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    answer
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    answer
}

/// 204 with no body, `no-store`.
#[cfg(feature = "webhook")]
pub(crate) fn no_content() -> Answer {
    let mut response = Answer::default();
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// 303 See Other to `location`, `no-store` and `Referrer-Policy: no-referrer`
/// (the target is a single-use link: no cache and no referrer keeps it).
pub(crate) fn see_other(location: &str) -> Answer {
    let Ok(location) = HeaderValue::from_str(location) else {
        tracing::error!("a minted link is not a valid Location header");
        return internal_error();
    };
    let mut response = Answer::default();
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    headers.insert(LOCATION, location);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The answer for an outcome that is not a link: the status and code of its
/// [`FailureKind`](crate::FailureKind), with `Retry-After` when known.
/// Details go to the log, not to the browser. A minted link is not a refusal:
/// answering one here is a bug, answered 500.
pub(crate) fn refusal(outcome: &PortalLinkOutcome) -> Answer {
    let Some(kind) = outcome.failure_kind() else {
        tracing::error!("a minted link was answered as a refusal");
        return internal_error();
    };
    let mut response = error(kind.status(), kind.code());
    if let PortalLinkOutcome::Failed(failure) = outcome {
        failure.write_status(&mut response);
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::failure::{LimitScope, PortalLinkFailure};

    /// A value whose serialization fails, as a bug in a `Serialize` impl would.
    struct Unserializable;

    impl Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("broken Serialize impl"))
        }
    }

    fn body(answer: &Answer) -> serde_json::Value {
        serde_json::from_str(answer.body()).unwrap()
    }

    #[test]
    fn a_value_that_fails_to_serialize_answers_500_not_a_refusal() {
        let answer = json_of(&Unserializable);
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body(&answer)["error"], "internal_error");
        assert_eq!(answer.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(answer.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
        let fine = json_of(&serde_json::json!({ "ok": true }));
        assert_eq!(fine.status(), StatusCode::OK);
        assert_eq!(body(&fine)["ok"], true);
    }

    #[test]
    fn refusals_answer_the_kind_status_code_and_retry_after() {
        let no_org = refusal(&PortalLinkOutcome::NoOrganization);
        assert_eq!(no_org.status(), StatusCode::FORBIDDEN);
        assert_eq!(body(&no_org)["error"], "no_organization");
        let limited = refusal(&PortalLinkOutcome::Failed(Arc::new(
            PortalLinkFailure::Limited {
                scope: LimitScope::User,
                retry_after: Duration::from_millis(2500),
            },
        )));
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body(&limited)["error"], "rate_limited");
        assert_eq!(limited.headers()[http::header::RETRY_AFTER], "3");
        assert_eq!(limited.headers()[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn method_not_allowed_names_the_method() {
        let answer = method_not_allowed(error(StatusCode::OK, "method_not_allowed"), "GET");
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(answer.headers()[ALLOW], "GET");
    }

    #[test]
    fn see_other_keeps_the_link_out_of_caches_and_referrers() {
        let answer = see_other("https://acme.scalekit.dev/magicLink/abc");
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            answer.headers()[LOCATION],
            "https://acme.scalekit.dev/magicLink/abc"
        );
        assert_eq!(answer.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(answer.headers()[REFERRER_POLICY], "no-referrer");
        assert_eq!(
            see_other("https://x\n.example").status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
