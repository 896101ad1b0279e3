/* scalekit-tower: listener for one embedded Scalekit admin portal.
 *
 * This file is a function expression; scalekit/script.html calls it with the
 * embed's configuration as a JSON literal. It keeps all state in this closure
 * and touches no globals, so several embeds can share a page. Plain ES2017,
 * no dependencies, no inline handlers, no inline styles (visibility uses the
 * `hidden` attribute).
 */
(function (config) {
  'use strict';

  if (!config || typeof config !== 'object' || typeof config.iframeId !== 'string') {
    return;
  }

  var PREFIX = 'scalekit:';
  var portalOrigin = typeof config.portalOrigin === 'string' ? config.portalOrigin : null;
  var messages = config.messages || {};
  var iframe = null;
  var started = false;
  var state = 'idle';
  var loadTimer = null;
  var refreshing = false;
  var autoRefreshes = [];
  var statusInFlight = false;
  var statusAgain = null;
  var lastStatus = null;
  // A link set by a refresh that has not loaded yet: if the portal fails
  // again on it, the frame cannot keep a session (its cookie is blocked).
  var refreshedSinceLoad = false;
  // The admin has worked inside the frame since its link was set.
  var frameUsed = false;
  var handoffOpened = false;
  var handoffTimer = null;

  // The portal's current vocabulary (`event_type`), mapped onto host-page events.
  var EVENT_TYPES = {
    PORTAL_LOAD_SUCCESS: 'loaded',
    PORTAL_LOAD_FAILURE: 'load-failed',
    PORTAL_SESSION_WARNING: 'session-warning',
    PORTAL_SESSION_EXPIRY: 'session-expired',
    ORGANIZATION_SSO_ENABLED: 'sso-enabled',
    ORGANIZATION_SSO_DISABLED: 'sso-disabled',
    ORGANIZATION_DIRECTORY_ENABLED: 'directory-enabled',
    ORGANIZATION_DIRECTORY_DISABLED: 'directory-disabled'
  };

  // The portal's claims that the server confirms through the status endpoint.
  var STATUS_EVENTS = {
    'sso-enabled': true,
    'sso-disabled': true,
    'directory-enabled': true,
    'directory-disabled': true
  };

  function own(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function element(suffix) {
    return document.getElementById(config.iframeId + suffix);
  }

  // Finds and claims the iframe. A second copy of this script for the same
  // iframe id finds it claimed and stays inert.
  function resolve() {
    if (iframe) {
      return iframe;
    }
    var candidate = document.getElementById(config.iframeId);
    if (!candidate || candidate.tagName !== 'IFRAME' || candidate.hasAttribute('data-scalekit-bound')) {
      return null;
    }
    candidate.setAttribute('data-scalekit-bound', '');
    iframe = candidate;
    return iframe;
  }

  function setState(next) {
    state = next;
    if (iframe) {
      iframe.setAttribute('data-scalekit-state', next);
    }
  }

  function emit(name, detail, cancelable) {
    if (!iframe) {
      return true;
    }
    var event = new CustomEvent(PREFIX + name, {
      bubbles: true,
      cancelable: !!cancelable,
      detail: detail
    });
    return iframe.dispatchEvent(event);
  }

  // Shows a message in the status container. `showFrame` keeps the iframe
  // visible (a hint); otherwise the frame is hidden so no blank frame remains.
  // A failure (`fallback` names why) also offers the portal in a new tab,
  // which works where the frame cannot; a notice offers nothing.
  function showStatus(text, showFrame, fallback) {
    var status = element('-status');
    var message = element('-message');
    var retry = element('-retry');
    var open = element('-open');
    if (message) {
      message.textContent = typeof text === 'string' ? text : '';
    }
    if (retry) {
      retry.disabled = false;
      retry.hidden = fallback === null;
    }
    var offered = !!(open && fallback && typeof config.handoffUrl === 'string' && config.handoffUrl !== '');
    if (open) {
      open.hidden = !offered;
    }
    if (status) {
      status.hidden = false;
    }
    if (iframe) {
      iframe.hidden = !showFrame;
    }
    if (offered) {
      emit('fallback', { reason: fallback }, false);
    }
  }

  function hideStatus() {
    var status = element('-status');
    var message = element('-message');
    if (status) {
      status.hidden = true;
    }
    if (message) {
      message.textContent = '';
    }
  }

  function clearLoadTimer() {
    if (loadTimer !== null) {
      clearTimeout(loadTimer);
      loadTimer = null;
    }
  }

  function startLoadTimer() {
    clearLoadTimer();
    var timeout = config.loadTimeoutMs;
    if (typeof timeout !== 'number' || !(timeout > 0)) {
      return;
    }
    loadTimer = setTimeout(function () {
      loadTimer = null;
      if (state !== 'loading') {
        return;
      }
      setState('timeout');
      if (emit('load-timeout', { timeout_ms: timeout }, true)) {
        showStatus(messages.loadTimeout, true, 'load-timeout');
      }
    }, timeout);
  }

  // Any accepted message proves the portal page loaded in the frame (the
  // legacy vocabulary never sends a load-success message).
  function markAlive() {
    clearLoadTimer();
    refreshedSinceLoad = false;
    // `idle`: the message beat DOMContentLoaded (script placed before the iframe).
    if (state === 'idle' || state === 'loading' || state === 'timeout') {
      setState('loaded');
      hideStatus();
    }
  }

  function legacyEnabled(payload) {
    var data = payload.data;
    if (data !== null && typeof data === 'object' && own(data, 'enabled') && typeof data.enabled === 'boolean') {
      return data.enabled;
    }
    if (own(payload, 'enabled') && typeof payload.enabled === 'boolean') {
      return payload.enabled;
    }
    return true;
  }

  // Maps a portal payload onto a host-page event name (without prefix), or null.
  function classify(payload) {
    var eventType = own(payload, 'event_type') ? payload.event_type : undefined;
    if (typeof eventType === 'string') {
      return own(EVENT_TYPES, eventType) ? EVENT_TYPES[eventType] : null;
    }
    var type = own(payload, 'type') ? payload.type : undefined;
    if (type === 'SSO_CONFIGURED') {
      return legacyEnabled(payload) ? 'sso-enabled' : 'sso-disabled';
    }
    if (type === 'SCIM_CONFIGURED') {
      return legacyEnabled(payload) ? 'directory-enabled' : 'directory-disabled';
    }
    if (type === 'SESSION_EXPIRED') {
      return 'session-expired';
    }
    return null;
  }

  function onMessage(event) {
    if (portalOrigin === null || event.origin !== portalOrigin) {
      return;
    }
    var frame = resolve();
    if (!frame || !event.source || event.source !== frame.contentWindow) {
      return;
    }
    var payload = event.data;
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return;
    }
    var name;
    try {
      name = classify(payload);
    } catch (ignored) {
      return;
    }
    if (name === 'load-failed' || name === 'session-expired') {
      clearLoadTimer();
      var failedAgain = name === 'load-failed' && refreshedSinceLoad;
      if (emit(name, payload, true)) {
        if (failedAgain) {
          block();
        } else {
          refresh(name, false);
        }
      }
      return;
    }
    markAlive();
    if (name === 'session-warning') {
      if (emit(name, payload, true)) {
        renewBeforeExpiry();
      }
      return;
    }
    if (name !== null) {
      emit(name, payload, false);
      if (own(STATUS_EVENTS, name)) {
        confirmStatus(name, false);
      }
    }
  }

  // A fresh link failed at once: the portal cannot keep its session in the
  // frame (a browser blocking third-party cookies). Refreshing again would
  // loop; the portal works in a tab of its own.
  function block() {
    refreshedSinceLoad = false;
    setState('blocked');
    showStatus(messages.blocked, false, 'blocked');
  }

  function frameInUse() {
    return frameUsed || (!!iframe && document.activeElement === iframe);
  }

  // The portal's session ends soon. Nobody is working in the frame: renew
  // it now, quietly. Someone is: replacing the page would lose their place,
  // so only say so; the expiry then refreshes it.
  function renewBeforeExpiry() {
    if (frameInUse()) {
      showStatus(messages.sessionWarning, true, null);
    } else {
      refresh('session-warning', false);
    }
  }

  // Asks the app's server what Scalekit says now and dispatches it as
  // `scalekit:status`. The portal's message is a claim any script on the
  // page could forge: it never becomes the status. Claims arriving while a
  // request is out coalesce into one more request.
  // `onlyChanges` (the polls while the portal is open in another tab)
  // dispatches a status only when it differs from the last one.
  async function confirmStatus(reason, onlyChanges) {
    if (typeof config.statusUrl !== 'string' || config.statusUrl === '') {
      return;
    }
    if (statusInFlight) {
      if (statusAgain === null || !onlyChanges) {
        statusAgain = { reason: reason, onlyChanges: onlyChanges };
      }
      return;
    }
    statusInFlight = true;
    try {
      var response = await fetch(config.statusUrl, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' }
      });
      if (!response.ok) {
        throw new Error('status endpoint answered ' + response.status);
      }
      var body = await response.json();
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new Error('status endpoint sent no status');
      }
      var seen = JSON.stringify(body);
      if (!onlyChanges || seen !== lastStatus) {
        lastStatus = seen;
        emit('status', body, false);
      }
    } catch (error) {
      var text = error && error.message ? String(error.message) : 'status request failed';
      if (!onlyChanges) {
        emit('status-failed', { reason: reason, error: text }, false);
      }
    }
    statusInFlight = false;
    if (statusAgain !== null) {
      var next = statusAgain;
      statusAgain = null;
      confirmStatus(next.reason, next.onlyChanges);
    }
  }

  // The portal opened in a tab of its own: what the admin changes there
  // reaches this page through the server. Ask while that tab is open (a
  // bounded time when it cannot be watched), once more when it closes.
  function watchHandoff(tab) {
    handoffOpened = true;
    if (handoffTimer !== null) {
      clearTimeout(handoffTimer);
    }
    var every = config.statusPollMs > 0 ? config.statusPollMs : 3000;
    var until = Date.now() + (config.statusPollLimitMs > 0 ? config.statusPollLimitMs : 0);
    function poll() {
      handoffTimer = null;
      var closed = false;
      try {
        closed = !!tab && tab.closed === true;
      } catch (ignored) {
        closed = false;
      }
      confirmStatus('handoff', true);
      if (!closed && Date.now() < until) {
        handoffTimer = setTimeout(poll, every);
      }
    }
    handoffTimer = setTimeout(poll, every);
  }

  // Opens the handoff endpoint in a new tab that cannot reach this page
  // (no opener, no referrer), keeping a handle to see when it closes. If a
  // blocker refuses the window, the link's own navigation opens it.
  function openInNewTab(event) {
    var tab = null;
    try {
      tab = window.open('', '_blank');
    } catch (ignored) {
      tab = null;
    }
    if (tab) {
      event.preventDefault();
      try {
        tab.opener = null;
        tab.location.href = new URL(config.handoffUrl, document.baseURI).href;
      } catch (failed) {
        tab.close();
        tab = null;
        window.open(config.handoffUrl, '_blank', 'noopener,noreferrer');
      }
    }
    emit('handoff', { url: config.handoffUrl }, false);
    watchHandoff(tab);
  }

  function delay(ms) {
    return new Promise(function (resolveDelay) {
      setTimeout(resolveDelay, ms);
    });
  }

  // The longest `Retry-After` waited for; a longer one ends the refresh (the
  // retry button stays).
  var MAX_RETRY_AFTER_MS = 60000;

  // `Retry-After` of a response in milliseconds (delta-seconds or an HTTP
  // date), or null.
  function retryAfterMs(response) {
    var headers = response.headers;
    var value = headers && typeof headers.get === 'function' ? headers.get('Retry-After') : null;
    if (typeof value !== 'string' || value === '') {
      return null;
    }
    if (/^\s*\d+\s*$/.test(value)) {
      return parseInt(value, 10) * 1000;
    }
    var at = Date.parse(value);
    return isNaN(at) ? null : Math.max(0, at - Date.now());
  }

  // Fetches a fresh link from the app's refresh endpoint and checks it.
  async function fetchLink() {
    if (portalOrigin === null) {
      throw new Error('no portal origin configured');
    }
    var response = await fetch(config.refreshUrl, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' }
    });
    if (!response.ok) {
      var failure = new Error('refresh endpoint answered ' + response.status);
      failure.retryAfterMs = retryAfterMs(response);
      throw failure;
    }
    var body = await response.json();
    if (body === null || typeof body !== 'object' || typeof body.location !== 'string') {
      throw new Error('refresh endpoint sent no location');
    }
    // The same rules as the server's: an http(s) URL without credentials on
    // exactly the portal origin (a `blob:` URL reports its inner origin).
    var location = new URL(body.location);
    if ((location.protocol !== 'https:' && location.protocol !== 'http:') ||
        location.username !== '' || location.password !== '' ||
        location.origin !== portalOrigin) {
      throw new Error('refreshed link is not on the portal origin');
    }
    return { href: location.href, expiresAt: typeof body.expires_at === 'string' ? body.expires_at : null };
  }

  // Replaces the frame's link. `manual` (the retry button) lifts the cap on
  // automatic refreshes that stops a link that fails at once from looping.
  async function refresh(reason, manual) {
    if (refreshing || !resolve()) {
      return;
    }
    var now = Date.now();
    var windowMs = config.refreshWindowMs > 0 ? config.refreshWindowMs : 0;
    if (manual) {
      autoRefreshes = [];
    } else {
      autoRefreshes = autoRefreshes.filter(function (at) {
        return now - at < windowMs;
      });
      if (autoRefreshes.length >= config.refreshLimit) {
        setState('failed');
        emit('refresh-failed', { reason: reason, attempts: 0, error: 'too many refreshes' }, false);
        showStatus(messages.unavailable, false, 'refresh-failed');
        return;
      }
      autoRefreshes.push(now);
    }
    refreshing = true;
    setState('refreshing');
    var retry = element('-retry');
    if (retry) {
      retry.disabled = true;
    }
    var retries = config.refreshRetries > 0 ? config.refreshRetries : 0;
    var backoff = config.refreshBackoffMs > 0 ? config.refreshBackoffMs : 0;
    var lastError = null;
    var attempts = 0;
    for (var attempt = 0; attempt <= retries; attempt += 1) {
      if (attempt > 0) {
        var wait = Math.min(backoff * Math.pow(2, attempt - 1), 30000);
        // The server said when to come back (a minting limit, Scalekit's
        // rate limit): not before then, and not at all if that is far off.
        var asked = lastError && typeof lastError.retryAfterMs === 'number' ? lastError.retryAfterMs : null;
        if (asked !== null) {
          if (asked > MAX_RETRY_AFTER_MS) {
            break;
          }
          wait = Math.max(wait, asked);
        }
        await delay(wait);
      }
      attempts = attempt + 1;
      try {
        var link = await fetchLink();
        refreshing = false;
        refreshedSinceLoad = true;
        frameUsed = false;
        setState('loading');
        hideStatus();
        iframe.hidden = false;
        iframe.src = link.href;
        startLoadTimer();
        emit('refreshed', { reason: reason, attempts: attempt + 1, expires_at: link.expiresAt }, false);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    refreshing = false;
    setState('failed');
    var text = lastError && lastError.message ? String(lastError.message) : 'refresh failed';
    emit('refresh-failed', { reason: reason, attempts: attempts, error: text }, false);
    showStatus(messages.unavailable, false, 'refresh-failed');
  }

  function start() {
    if (started || !resolve()) {
      return;
    }
    started = true;
    var retry = element('-retry');
    if (retry) {
      retry.addEventListener('click', function () {
        refresh('retry', true);
      });
    }
    var open = element('-open');
    if (open) {
      open.addEventListener('click', openInNewTab);
    }
    if (config.hasLink) {
      if (state === 'idle') {
        setState('loading');
        startLoadTimer();
      }
    } else {
      setState('unavailable');
      showStatus(messages.unavailable, false, 'unavailable');
    }
  }

  window.addEventListener('message', onMessage);
  // Focus moving into the frame means the admin works in the portal.
  window.addEventListener('blur', function () {
    setTimeout(function () {
      if (iframe && document.activeElement === iframe) {
        frameUsed = true;
      }
    }, 0);
  });
  // Back from the portal's own tab (or from anywhere): the server may know
  // of changes made there.
  document.addEventListener('visibilitychange', function () {
    if (handoffOpened && document.visibilityState === 'visible') {
      confirmStatus('visible', true);
    }
  });
  // A page restored from the back/forward cache holds a used link.
  window.addEventListener('pageshow', function (event) {
    if (event.persisted && started) {
      refresh('restored', false);
    }
  });
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  }
  start();
})
