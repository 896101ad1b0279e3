//! What the page under test recorded: the script that records it in
//! `window.__scalekit`, and the [`Browser`] methods that read it back.

use std::time::Duration;

use serde_json::{Value, json};

use super::session::Browser;

/// Script that records what the host page observes in `window.__scalekit`:
///
/// - `events`: every `scalekit:*` event reaching `document`, as
///   `{name, detail, target, src, state, at}` (`name` without the prefix,
///   `src` the iframe's `src` attribute when the event fired, `state` its
///   `data-scalekit-state`, `at` from `performance.now()`);
/// - `messages`: every `message` event on `window`, summarized as
///   `{origin, kind, event_type, type, marker}`;
/// - `errors`: uncaught errors, unhandled rejections, `console.error` calls,
///   and `scalekit:` events with a name not listed above (seen by wrapping
///   `EventTarget.prototype.dispatchEvent`);
/// - `violations`: `securitypolicyviolation` events, as `{directive, blocked}`.
///
/// Besides `window.__scalekit` it only wraps `console.error` and
/// `dispatchEvent`; it uses no `eval`.
pub const EVENT_RECORDER_JS: &str = r#"(function () {
  'use strict';
  var NAMES = ['loaded', 'load-failed', 'load-timeout', 'session-warning', 'session-expired',
    'sso-enabled', 'sso-disabled', 'directory-enabled', 'directory-disabled',
    'refreshed', 'refresh-failed', 'status', 'status-failed'];
  var rec = { events: [], messages: [], errors: [], violations: [] };
  Object.defineProperty(window, '__scalekit', { value: rec });
  function copy(value) {
    try {
      return value === undefined ? null : JSON.parse(JSON.stringify(value));
    } catch (e) {
      return '[not JSON: ' + String(e) + ']';
    }
  }
  NAMES.forEach(function (name) {
    document.addEventListener('scalekit:' + name, function (event) {
      var target = event.target;
      rec.events.push({
        name: name,
        detail: copy(event.detail),
        target: target && target.id ? target.id : null,
        src: target && target.getAttribute ? target.getAttribute('src') : null,
        state: target && target.getAttribute ? target.getAttribute('data-scalekit-state') : null,
        at: performance.now()
      });
    });
  });
  // Events with other scalekit: names (a listener bug) count as errors.
  var dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    var type = event && typeof event.type === 'string' ? event.type : '';
    if (type.indexOf('scalekit:') === 0 && NAMES.indexOf(type.slice(9)) < 0) {
      rec.errors.push('unknown event dispatched: ' + type);
    }
    return dispatch.apply(this, arguments);
  };
  window.addEventListener('message', function (event) {
    var data = event.data;
    var isObject = data !== null && typeof data === 'object' && !Array.isArray(data);
    function text(key) {
      return isObject && typeof data[key] === 'string' ? data[key] : null;
    }
    rec.messages.push({
      origin: event.origin,
      kind: data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data,
      event_type: text('event_type'),
      type: text('type'),
      marker: text('marker')
    });
  });
  window.addEventListener('error', function (event) {
    rec.errors.push('error: ' + event.message + ' at ' + event.filename + ':' + event.lineno);
  });
  window.addEventListener('unhandledrejection', function (event) {
    rec.errors.push('unhandled rejection: ' + String(event.reason));
  });
  var consoleError = console.error;
  console.error = function () {
    rec.errors.push('console.error: ' + Array.prototype.map.call(arguments, String).join(' '));
    return consoleError.apply(console, arguments);
  };
  document.addEventListener('securitypolicyviolation', function (event) {
    rec.violations.push({ directive: event.violatedDirective, blocked: event.blockedURI });
  });
})();"#;

/// One `scalekit:*` event as the host page recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// The event name without `scalekit:` (`loaded`, `sso-enabled`, ...).
    pub name: String,
    /// `event.detail`, as JSON.
    pub detail: Value,
    /// The iframe's `src` attribute when the event fired.
    pub src: Option<String>,
    /// The iframe's `data-scalekit-state` when the event fired.
    pub state: Option<String>,
    /// `performance.now()` when it fired, in milliseconds.
    pub at: f64,
}

impl RecordedEvent {
    fn from_json(value: &Value) -> Self {
        let text = |key: &str| value[key].as_str().map(str::to_owned);
        Self {
            name: text("name").unwrap_or_default(),
            detail: value["detail"].clone(),
            src: text("src"),
            state: text("state"),
            at: value["at"].as_f64().unwrap_or_default(),
        }
    }
}

/// The names of `events`, in order.
pub fn names(events: &[RecordedEvent]) -> Vec<&str> {
    events.iter().map(|e| e.name.as_str()).collect()
}

impl Browser {
    /// The `scalekit:*` events recorded in the current page so far.
    pub async fn events(&self) -> Vec<RecordedEvent> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.events : null;")
            .await;
        value
            .as_array()
            .unwrap_or_else(|| panic!("the page has no event recorder (window.__scalekit)"))
            .iter()
            .map(RecordedEvent::from_json)
            .collect()
    }

    /// Waits until the page recorded `count` `scalekit:<name>` events, and
    /// returns all recorded events.
    pub async fn wait_for_event(
        &self,
        name: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<RecordedEvent> {
        self.wait_until_with(
            &format!("{count} scalekit:{name} event(s)"),
            "var r = window.__scalekit, name = arguments[0], count = arguments[1]; \
             return !!r && r.events.filter(function (e) { return e.name === name; }).length >= count;",
            vec![json!(name), json!(count)],
            timeout,
        )
        .await;
        self.events().await
    }

    /// The messages the page's window received so far (summaries, see
    /// [`EVENT_RECORDER_JS`]).
    pub async fn messages(&self) -> Vec<Value> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.messages : [];")
            .await;
        value.as_array().cloned().unwrap_or_default()
    }

    /// Waits until a message with `marker` from `origin` reached the page:
    /// everything the same sender posted before it has been handled.
    pub async fn wait_for_marker(&self, origin: &str, marker: &str, timeout: Duration) {
        self.wait_until_with(
            &format!("the marker message {marker:?} from {origin}"),
            "var r = window.__scalekit, origin = arguments[0], marker = arguments[1]; \
             return !!r && r.messages.some(function (m) { \
               return m.origin === origin && m.marker === marker; });",
            vec![json!(origin), json!(marker)],
            timeout,
        )
        .await;
    }

    /// The JavaScript errors the page recorded.
    pub async fn errors(&self) -> Vec<String> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.errors : [];")
            .await;
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Panics if the page recorded a JavaScript error.
    pub async fn assert_no_errors(&self) {
        let errors = self.errors().await;
        assert!(errors.is_empty(), "the page recorded errors: {errors:#?}");
    }

    /// The CSP violations the page recorded.
    pub async fn violations(&self) -> Vec<Value> {
        let value = self
            .eval("return window.__scalekit ? window.__scalekit.violations : [];")
            .await;
        value.as_array().cloned().unwrap_or_default()
    }
}
