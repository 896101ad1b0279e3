//! What the browser endpoints (refresh, status) share: `GET` only, same
//! origin only, and JSON answers that no cache keeps.

use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, X_CONTENT_TYPE_OPTIONS,
};
use http::request::Parts;
use http::{Method, StatusCode};

use crate::origin::{AppOrigin, cross_origin};
use crate::outcome::PortalLinkOutcome;

/// A browser endpoint's answer.
pub(crate) type Answer = http::Response<String>;

/// The answer to a request a browser endpoint refuses before its gate: not
/// `GET` (405), or from another site or origin than `app` (or `Host`)
/// (403); `None` to go on.
pub(crate) fn refuse_early(parts: &Parts, app: Option<&AppOrigin>) -> Option<Answer> {
    if parts.method != Method::GET {
        let mut response = error_response(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return Some(response);
    }
    cross_origin(parts, app).map(|code| error_response(StatusCode::FORBIDDEN, code))
}

/// The answer for an outcome that is not a link: no organization (403), or
/// the failure's status and code, with `Retry-After` when known. Details go
/// to the log, not to the browser.
pub(crate) fn refusal(outcome: &PortalLinkOutcome) -> Answer {
    match outcome {
        PortalLinkOutcome::Failed(failure) => {
            let kind = failure.kind();
            let mut response = error_response(kind.status(), kind.code());
            if let Some(after) = failure.retry_after_header() {
                response.headers_mut().insert(RETRY_AFTER, after);
            }
            response
        }
        PortalLinkOutcome::NoOrganization | PortalLinkOutcome::Minted(_) => {
            error_response(StatusCode::FORBIDDEN, "no_organization")
        }
    }
}

/// `{"error": code}` with `status`.
pub(crate) fn error_response(status: StatusCode, code: &str) -> Answer {
    json_response(status, serde_json::json!({ "error": code }).to_string())
}

/// `body` as JSON, `no-store`, `nosniff`.
pub(crate) fn json_response(status: StatusCode, body: String) -> Answer {
    let mut response = Answer::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
