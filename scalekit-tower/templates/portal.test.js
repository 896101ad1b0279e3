// Behaviour tests of portal.js in Node with a minimal fake DOM:
//   node portal.test.js [path/to/portal.js]
// `cargo test -p scalekit-tower` runs it when `node` is installed. The real
// browser tests live in the workspace's tests/.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const assert = require('assert');
const SRC = fs.readFileSync(process.argv[2] || path.join(__dirname, 'portal.js'), 'utf8');

function makeEnv(config, opts) {
  opts = opts || {};
  const extra = opts.extra || [];
  const log = [];
  class El {
    constructor(tag, id) { this.tagName = tag; this.id = id; this.attrs = {}; this.hidden = false; this.textContent = ''; this.listeners = {}; this.disabled = false; this.src = ''; this.contentWindow = { name: 'frame-' + id }; }
    setAttribute(k, v) { this.attrs[k] = String(v); }
    hasAttribute(k) { return k in this.attrs; }
    getAttribute(k) { return this.attrs[k]; }
    addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); }
    dispatchEvent(e) { log.push([e.type, e.detail]); (this.listeners[e.type] || []).forEach(f => f(e)); return !e.defaultPrevented; }
    click() { const ev = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } }; (this.listeners.click || []).forEach(f => f(ev)); return ev; }
  }
  const id = config.iframeId;
  const els = {};
  for (const c of [config].concat(extra)) {
    els[c.iframeId] = new El('IFRAME', c.iframeId);
    els[c.iframeId].hidden = !c.hasLink;
    for (const s of ['-status', '-message', '-retry', '-open']) els[c.iframeId + s] = new El(s === '-retry' ? 'BUTTON' : s === '-open' ? 'A' : 'DIV', c.iframeId + s);
    els[c.iframeId + '-status'].hidden = !!c.hasLink;
    els[c.iframeId + '-open'].hidden = true;
  }
  const docListeners = {};
  const winListeners = {};
  const fetchCalls = [];
  const sandbox = {
    console, Promise, URL, Date, Math, Object, Array, Error, String, JSON,
    setTimeout, clearTimeout,
    CustomEvent: class { constructor(t, o) { this.type = t; this.detail = o.detail; this.bubbles = o.bubbles; this.cancelable = o.cancelable; this.defaultPrevented = false; } preventDefault() { if (this.cancelable) this.defaultPrevented = true; } },
    document: { readyState: opts.readyState || 'complete', visibilityState: 'visible', baseURI: 'https://app.example/settings', activeElement: null, getElementById: k => Object.prototype.hasOwnProperty.call(els, k) && !(opts.late && k === id) ? els[k] : null, addEventListener: (t, f) => { (docListeners[t] = docListeners[t] || []).push(f); } },
    fetch: async (url, init) => { fetchCalls.push([url, init]); return opts.fetch(url, init, fetchCalls.length); },
  };
  const tabs = [];
  sandbox.window = {
    addEventListener: (t, f) => { (winListeners[t] = winListeners[t] || []).push(f); },
    open: (url, target, features) => { if (opts.blockPopups) return null; const tab = { url, target, features, closed: false, opener: sandbox.window, location: { href: url }, close() { this.closed = true; } }; tabs.push(tab); return tab; },
  };
  vm.createContext(sandbox);
  if (opts.active) sandbox.document.activeElement = els[id];
  for (const c of [config].concat(extra)) vm.runInContext(SRC.trimEnd() + '(' + JSON.stringify(c) + ');', sandbox);
  const post = (data, origin, source) => (winListeners.message || []).forEach(f => f({ data, origin: origin === undefined ? config.portalOrigin : origin, source: source === undefined ? els[id].contentWindow : source }));
  const ready = () => { opts.late = false; sandbox.document.readyState = 'interactive'; (docListeners.DOMContentLoaded || []).forEach(f => f()); };
  const docEvent = (t) => (docListeners[t] || []).forEach(f => f({}));
  return { els, iframe: els[id], log, post, fetchCalls, winListeners, ready, tabs, document: sandbox.document, docEvent };
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
const base = { iframeId: 'scalekit-portal', portalOrigin: 'https://acme.scalekit.dev', refreshUrl: '/r', handoffUrl: '/open', hasLink: true, loadTimeoutMs: 50, refreshRetries: 2, refreshBackoffMs: 5, refreshLimit: 2, refreshWindowMs: 60000, statusPollMs: 10, statusPollLimitMs: 60000, messages: { unavailable: 'UNAVAILABLE', loadTimeout: 'TIMEOUT', blocked: 'BLOCKED', sessionWarning: 'WARNING' } };
const ok = (loc) => ({ ok: true, status: 200, json: async () => ({ location: loc || 'https://acme.scalekit.dev/magicLink/new', expires_at: 'x' }) });
const names = log => log.map(e => e[0]);

(async () => {
  // 1. origin/source/malformed filtering; load success; mapping
  {
    const e = makeEnv(base, { fetch: () => ok(), active: true });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' }, 'https://evil.example');
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' }, 'https://acme.scalekit.dev', { other: 1 });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' }, 'null', null);
    for (const bad of ['x', null, [1], 42, undefined, { event_type: 7 }, { type: {} }, Object.create(null)]) e.post(bad);
    assert.deepStrictEqual(names(e.log), []);
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS', data: { expiry: 'z' } });
    e.post({ event_type: 'ORGANIZATION_SSO_ENABLED' });
    e.post({ event_type: 'ORGANIZATION_DIRECTORY_DISABLED' });
    e.post({ event_type: 'PORTAL_SESSION_WARNING' });
    e.post({ type: 'SSO_CONFIGURED', data: { enabled: false } });
    e.post({ type: 'SSO_CONFIGURED' });
    e.post({ type: 'SCIM_CONFIGURED', enabled: false });
    e.post({ event_type: 'UNKNOWN', type: 'SSO_CONFIGURED' });
    assert.deepStrictEqual(names(e.log), ['scalekit:loaded', 'scalekit:sso-enabled', 'scalekit:directory-disabled', 'scalekit:session-warning', 'scalekit:sso-disabled', 'scalekit:sso-enabled', 'scalekit:directory-disabled']);
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'loaded');
    await sleep(80);
    assert.ok(!names(e.log).includes('scalekit:load-timeout'));
    console.log('1 ok');
  }
  // 2. load timeout + hint; later message hides it
  {
    const e = makeEnv(base, { fetch: () => ok() });
    await sleep(80);
    assert.deepStrictEqual(names(e.log), ['scalekit:load-timeout', 'scalekit:fallback']);
    assert.strictEqual(e.log[1][1].reason, 'load-timeout');
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, false);
    assert.strictEqual(e.els['scalekit-portal-message'].textContent, 'TIMEOUT');
    assert.strictEqual(e.els['scalekit-portal-open'].hidden, false, 'the new-tab link is offered');
    assert.strictEqual(e.iframe.hidden, false);
    e.post({ type: 'SCIM_CONFIGURED' });
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, true);
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'loaded');
    console.log('2 ok');
  }
  // 3. session expiry -> refresh -> new src; bad origin -> retries -> failed
  {
    const e = makeEnv(base, { fetch: () => ok() });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    e.post({ event_type: 'PORTAL_SESSION_EXPIRY', data: {} });
    await sleep(10);
    assert.strictEqual(e.iframe.src, 'https://acme.scalekit.dev/magicLink/new');
    assert.deepStrictEqual(names(e.log), ['scalekit:loaded', 'scalekit:session-expired', 'scalekit:refreshed']);
    assert.strictEqual(e.fetchCalls[0][0], '/r');
    assert.deepStrictEqual(JSON.parse(JSON.stringify(e.fetchCalls[0][1])), { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    console.log('3a ok');
    const f = makeEnv(base, { fetch: () => ok('https://evil.example/magicLink/x') });
    f.post({ type: 'SESSION_EXPIRED' });
    await sleep(60);
    assert.strictEqual(f.fetchCalls.length, 3);
    assert.strictEqual(f.iframe.src, '');
    assert.deepStrictEqual(names(f.log), ['scalekit:session-expired', 'scalekit:refresh-failed', 'scalekit:fallback']);
    assert.strictEqual(f.log[1][1].error, 'refreshed link is not on the portal origin');
    assert.strictEqual(f.iframe.hidden, true);
    assert.strictEqual(f.els['scalekit-portal-status'].hidden, false);
    assert.strictEqual(f.els['scalekit-portal-message'].textContent, 'UNAVAILABLE');
    // retry button works
    console.log('3b ok');
  }
  // 4. loop guard (sessions that end at once)
  {
    const e = makeEnv(Object.assign({}, base, { loadTimeoutMs: 0 }), { fetch: () => ok() });
    for (let i = 0; i < 3; i++) { e.post({ event_type: 'PORTAL_SESSION_EXPIRY' }); await sleep(5); }
    assert.strictEqual(e.fetchCalls.length, 2);
    assert.deepStrictEqual(names(e.log), ['scalekit:session-expired', 'scalekit:refreshed', 'scalekit:session-expired', 'scalekit:refreshed', 'scalekit:session-expired', 'scalekit:refresh-failed', 'scalekit:fallback']);
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, false);
    e.els['scalekit-portal-retry'].click();
    await sleep(5);
    assert.strictEqual(e.fetchCalls.length, 3);
    assert.strictEqual(e.iframe.hidden, false);
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, true);
    console.log('4 ok');
  }
  // 5. no link: fallback; retry fetches; http error retries
  {
    let n = 0;
    const e = makeEnv(Object.assign({}, base, { hasLink: false }), { fetch: () => (++n < 3 ? { ok: false, status: 502 } : ok()) });
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'unavailable');
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, false);
    await sleep(80);
    assert.deepStrictEqual(names(e.log), ['scalekit:fallback']);
    assert.strictEqual(e.log[0][1].reason, 'unavailable');
    e.log.length = 0;
    e.els['scalekit-portal-retry'].click();
    await sleep(40);
    assert.strictEqual(e.fetchCalls.length, 3);
    assert.strictEqual(e.iframe.src, 'https://acme.scalekit.dev/magicLink/new');
    assert.strictEqual(e.log[0][1].attempts, 3);
    console.log('5 ok');
  }
  // 6. no origin: nothing accepted, refresh fails cleanly
  {
    const e = makeEnv(Object.assign({}, base, { hasLink: false, portalOrigin: null }), { fetch: () => ok() });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' }, 'null');
    e.els['scalekit-portal-retry'].click();
    await sleep(40);
    assert.strictEqual(e.fetchCalls.length, 0);
    assert.deepStrictEqual(names(e.log), ['scalekit:fallback', 'scalekit:refresh-failed', 'scalekit:fallback']);
    console.log('6 ok');
  }
  // 7. preventDefault on session-expired stops refresh
  {
    const e = makeEnv(base, { fetch: () => ok() });
    e.iframe.addEventListener('scalekit:session-expired', ev => ev.preventDefault());
    e.post({ event_type: 'PORTAL_SESSION_EXPIRY' });
    await sleep(10);
    assert.strictEqual(e.fetchCalls.length, 0);
    console.log('7 ok');
  }
  // 8. fetch throws / json throws / relative location
  {
    let n = 0;
    const e = makeEnv(base, { fetch: () => { n++; if (n === 1) throw new TypeError('net'); if (n === 2) return { ok: true, json: async () => { throw new SyntaxError('bad'); } }; return ok('/magicLink/relative'); } });
    e.post({ event_type: 'PORTAL_LOAD_FAILURE' });
    await sleep(60);
    assert.deepStrictEqual(names(e.log), ['scalekit:load-failed', 'scalekit:refresh-failed', 'scalekit:fallback']);
    console.log('8 ok');
  }
  // 9. several embeds on one page: each listens to its own frame only
  {
    const other = Object.assign({}, base, { iframeId: 'second' });
    const e = makeEnv(base, { fetch: () => ok(), extra: [other] });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' }, undefined, e.els.second.contentWindow);
    e.post({ event_type: 'ORGANIZATION_SSO_ENABLED' });
    assert.deepStrictEqual(e.log.map(x => x[0]), ['scalekit:loaded', 'scalekit:sso-enabled']);
    assert.strictEqual(e.els.second.attrs['data-scalekit-state'], 'loaded');
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'loaded');
    // the same script twice for one iframe binds once
    const twice = makeEnv(base, { fetch: () => ok(), extra: [base] });
    twice.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    assert.deepStrictEqual(names(twice.log), ['scalekit:loaded']);
    console.log('9 ok');
  }
  // 10. script before the iframe: waits for DOMContentLoaded
  {
    const e = makeEnv(base, { fetch: () => ok(), readyState: 'loading', late: true });
    e.ready();
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'loading');
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    assert.deepStrictEqual(names(e.log), ['scalekit:loaded']);
    console.log('10 ok');
  }
  // 11. the refreshed link must be http(s), without credentials, on the exact origin
  {
    for (const bad of ['blob:https://acme.scalekit.dev/0b5c', 'https://user:pw@acme.scalekit.dev/magicLink/x', 'https://user@acme.scalekit.dev/magicLink/x', 'javascript:alert(1)', 'https://acme.scalekit.dev.evil.example/x']) {
      const e = makeEnv(base, { fetch: () => ok(bad) });
      e.post({ event_type: 'PORTAL_SESSION_EXPIRY' });
      await sleep(60);
      assert.strictEqual(e.iframe.src, '', bad);
      assert.deepStrictEqual(names(e.log), ['scalekit:session-expired', 'scalekit:refresh-failed', 'scalekit:fallback'], bad);
      assert.strictEqual(e.log[1][1].error, 'refreshed link is not on the portal origin', bad);
    }
    console.log('11 ok');
  }
  // 12. Retry-After is honoured: no retry before it; a far one ends the refresh
  {
    const limited = (after) => ({ ok: false, status: 429, headers: { get: k => (k.toLowerCase() === 'retry-after' ? after : null) } });
    let n = 0;
    const e = makeEnv(base, { fetch: () => (++n === 1 ? limited('1') : ok()) });
    e.post({ event_type: 'PORTAL_SESSION_EXPIRY' });
    await sleep(300);
    assert.strictEqual(e.fetchCalls.length, 1, 'no retry before Retry-After (backoff is 5 ms)');
    await sleep(1000);
    assert.strictEqual(e.fetchCalls.length, 2);
    assert.strictEqual(e.iframe.src, 'https://acme.scalekit.dev/magicLink/new');
    const f = makeEnv(base, { fetch: () => limited('3600') });
    f.post({ event_type: 'PORTAL_SESSION_EXPIRY' });
    await sleep(60);
    assert.strictEqual(f.fetchCalls.length, 1);
    assert.deepStrictEqual(names(f.log), ['scalekit:session-expired', 'scalekit:refresh-failed', 'scalekit:fallback']);
    assert.strictEqual(f.log[1][1].attempts, 1);
    assert.strictEqual(f.els['scalekit-portal-status'].hidden, false);
    console.log('12 ok');
  }
  // 13. SSO/directory claims ask the status endpoint; its answer is the status
  {
    const server = { sso: { enabled: false }, directory: { enabled: true } };
    let release = null;
    const e = makeEnv(Object.assign({}, base, { statusUrl: '/s' }), {
      active: true,
      fetch: (url, init, n) => {
        if (url !== '/s') return ok();
        if (n === 1) return new Promise(r => { release = () => r({ ok: true, status: 200, json: async () => server }); });
        if (n === 2) return { ok: true, status: 200, json: async () => server };
        return { ok: false, status: 403, json: async () => ({ error: 'forbidden' }) };
      }
    });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    // The portal claims SSO on; the server says off: the status is the server's.
    e.post({ event_type: 'ORGANIZATION_SSO_ENABLED', data: { enabled: true } });
    // Two more claims while the first request is out: one more request.
    e.post({ event_type: 'ORGANIZATION_DIRECTORY_ENABLED' });
    e.post({ type: 'SSO_CONFIGURED' });
    await sleep(5);
    assert.strictEqual(e.fetchCalls.length, 1);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(e.fetchCalls[0][1])), { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    release();
    await sleep(10);
    assert.strictEqual(e.fetchCalls.length, 2);
    const statuses = e.log.filter(x => x[0] === 'scalekit:status');
    assert.strictEqual(statuses.length, 2);
    assert.strictEqual(statuses[0][1].sso.enabled, false);
    // Other events ask nothing; a refused request is reported, not invented.
    e.post({ event_type: 'PORTAL_SESSION_WARNING' });
    assert.strictEqual(e.fetchCalls.length, 2);
    e.post({ event_type: 'ORGANIZATION_SSO_DISABLED' });
    await sleep(10);
    const failed = e.log.filter(x => x[0] === 'scalekit:status-failed');
    assert.deepStrictEqual(JSON.parse(JSON.stringify(failed.map(x => x[1]))), [{ reason: 'sso-disabled', error: 'status endpoint answered 403' }]);
    // A forged claim (wrong source) asks nothing.
    e.post({ event_type: 'ORGANIZATION_SSO_ENABLED' }, undefined, { forged: true });
    await sleep(5);
    assert.strictEqual(e.fetchCalls.length, 3);
    console.log('13 ok');
  }
  // 14. an empty status URL turns the check off
  {
    const e = makeEnv(Object.assign({}, base, { statusUrl: '' }), { fetch: () => ok() });
    e.post({ event_type: 'ORGANIZATION_SSO_ENABLED' });
    await sleep(5);
    assert.strictEqual(e.fetchCalls.length, 0);
    assert.deepStrictEqual(names(e.log), ['scalekit:sso-enabled']);
    console.log('14 ok');
  }
  // 15. a fresh link that fails at once: the frame cannot keep a session;
  // the fallback offers a new tab, whose changes reach the page through the
  // status endpoint while it is open, and when the page is visible again.
  {
    let server = { sso: { enabled: false } };
    const e = makeEnv(Object.assign({}, base, { statusUrl: '/s', loadTimeoutMs: 0 }), {
      fetch: (url) => (url === '/s' ? { ok: true, status: 200, json: async () => server } : ok()),
    });
    e.post({ event_type: 'PORTAL_LOAD_FAILURE', data: { error_code: 'SESSION_EXPIRED' } });
    await sleep(5);
    assert.deepStrictEqual(names(e.log), ['scalekit:load-failed', 'scalekit:refreshed']);
    e.post({ event_type: 'PORTAL_LOAD_FAILURE', data: { error_code: 'SESSION_EXPIRED' } });
    await sleep(5);
    assert.deepStrictEqual(names(e.log).slice(2), ['scalekit:load-failed', 'scalekit:fallback']);
    assert.strictEqual(e.log[3][1].reason, 'blocked');
    assert.strictEqual(e.fetchCalls.length, 1, 'no second refresh');
    assert.strictEqual(e.iframe.attrs['data-scalekit-state'], 'blocked');
    assert.strictEqual(e.iframe.hidden, true);
    assert.strictEqual(e.els['scalekit-portal-message'].textContent, 'BLOCKED');
    assert.strictEqual(e.els['scalekit-portal-open'].hidden, false);
    // The new tab: opened by the script, without an opener, at the absolute handoff URL.
    const click = e.els['scalekit-portal-open'].click();
    assert.strictEqual(click.defaultPrevented, true);
    assert.strictEqual(e.tabs.length, 1);
    assert.strictEqual(e.tabs[0].opener, null);
    assert.strictEqual(e.tabs[0].location.href, 'https://app.example/open');
    assert.deepStrictEqual(names(e.log).slice(4), ['scalekit:handoff']);
    // Polls while it is open: a status once, then only changes.
    await sleep(35);
    const polls = e.fetchCalls.filter(c => c[0] === '/s').length;
    assert.ok(polls >= 2, 'polled ' + polls);
    assert.deepStrictEqual(names(e.log).slice(5), ['scalekit:status']);
    server = { sso: { enabled: true } };
    await sleep(25);
    const statuses = e.log.filter(x => x[0] === 'scalekit:status');
    assert.strictEqual(statuses.length, 2);
    assert.strictEqual(statuses[1][1].sso.enabled, true);
    // Closed: one last look, then no more.
    e.tabs[0].closed = true;
    await sleep(25);
    const after = e.fetchCalls.length;
    await sleep(40);
    assert.strictEqual(e.fetchCalls.length, after, 'no polls after the tab closed');
    // Back on the page: one more look.
    e.docEvent('visibilitychange');
    await sleep(5);
    assert.strictEqual(e.fetchCalls.length, after + 1);
    // A blocked popup: the link's own navigation opens the tab; still polls (bounded).
    const g = makeEnv(Object.assign({}, base, { hasLink: false, statusUrl: '/s', statusPollLimitMs: 30 }), { fetch: () => ({ ok: true, status: 200, json: async () => server }), blockPopups: true });
    const plain = g.els['scalekit-portal-open'].click();
    assert.strictEqual(plain.defaultPrevented, false);
    await sleep(80);
    const n = g.fetchCalls.length;
    assert.ok(n >= 1 && n <= 4, 'bounded polls: ' + n);
    await sleep(40);
    assert.strictEqual(g.fetchCalls.length, n);
    console.log('15 ok');
  }
  // 16. the session warning: renewed quietly when nobody works in the frame,
  // a notice (frame kept) when someone does
  {
    const e = makeEnv(base, { fetch: () => ok() });
    e.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    e.post({ event_type: 'PORTAL_SESSION_WARNING' });
    await sleep(5);
    assert.deepStrictEqual(names(e.log), ['scalekit:loaded', 'scalekit:session-warning', 'scalekit:refreshed']);
    assert.strictEqual(e.log[2][1].reason, 'session-warning');
    assert.strictEqual(e.els['scalekit-portal-status'].hidden, true);
    const f = makeEnv(base, { fetch: () => ok() });
    f.post({ event_type: 'PORTAL_LOAD_SUCCESS' });
    f.document.activeElement = f.iframe;
    (f.winListeners.blur || []).forEach(fn => fn({}));
    await sleep(1);
    f.document.activeElement = null;
    f.post({ event_type: 'PORTAL_SESSION_WARNING' });
    await sleep(5);
    assert.strictEqual(f.fetchCalls.length, 0);
    assert.deepStrictEqual(names(f.log), ['scalekit:loaded', 'scalekit:session-warning']);
    assert.strictEqual(f.els['scalekit-portal-status'].hidden, false);
    assert.strictEqual(f.els['scalekit-portal-message'].textContent, 'WARNING');
    assert.strictEqual(f.els['scalekit-portal-retry'].hidden, true);
    assert.strictEqual(f.els['scalekit-portal-open'].hidden, true);
    assert.strictEqual(f.iframe.hidden, false);
    // The expiry then refreshes, and the notice goes.
    f.post({ event_type: 'PORTAL_SESSION_EXPIRY' });
    await sleep(5);
    assert.strictEqual(f.els['scalekit-portal-status'].hidden, true);
    assert.strictEqual(f.iframe.src, 'https://acme.scalekit.dev/magicLink/new');
    // preventDefault keeps the page's own handling.
    const g = makeEnv(base, { fetch: () => ok() });
    g.iframe.addEventListener('scalekit:session-warning', ev => ev.preventDefault());
    g.post({ event_type: 'PORTAL_SESSION_WARNING' });
    await sleep(5);
    assert.strictEqual(g.fetchCalls.length, 0);
    assert.strictEqual(g.els['scalekit-portal-status'].hidden, true);
    console.log('16 ok');
  }
  console.log('all ok');
})().catch(err => { console.error(err); process.exit(1); });
