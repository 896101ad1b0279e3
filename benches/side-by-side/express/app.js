// The seed guide's stack: Node + Express + Scalekit's official Node SDK.
// Each view of /settings mints one fresh admin-portal link for one
// organization with `generatePortalLink` and renders a page with the iframe
// and a listener for the portal's events: the same work per page as the
// kit's `examples/minimal.rs`, for the side-by-side bench (../run.sh).
//
//   npm ci && SCALEKIT_ORGANIZATION_ID=org_... node app.js
//
// Environment: SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and
// SCALEKIT_CLIENT_SECRET (what the emulator prints), SCALEKIT_ORGANIZATION_ID,
// PORT (default 0: a free port). Listens on 127.0.0.1 and prints the page's
// URL on standard output.
'use strict';

const express = require('express');
const { ScalekitClient } = require('@scalekit-sdk/node');

const env = (name) => {
  const value = process.env[name];
  if (!value || !value.trim()) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value.trim();
};

const scalekit = new ScalekitClient(
  env('SCALEKIT_ENVIRONMENT_URL'),
  env('SCALEKIT_CLIENT_ID'),
  env('SCALEKIT_CLIENT_SECRET'),
);
const organizationId = env('SCALEKIT_ORGANIZATION_ID');
// Only messages from the portal's own origin are events.
const portalOrigin = new URL(env('SCALEKIT_ENVIRONMENT_URL')).origin;

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (location) => `<!doctype html><title>Settings</title><h1>Single sign-on</h1>
<iframe id="scalekit-portal" src="${escapeHtml(location)}" width="100%" height="640" title="Single sign-on settings" allow="clipboard-write"></iframe>
<script>
window.addEventListener('message', (event) => {
  if (event.origin !== ${JSON.stringify(portalOrigin).replace(/</g, '\\u003c')}) return;
  const type = event.data && event.data.event_type;
  if (type === 'ORGANIZATION_SSO_ENABLED') console.log('SSO enabled');
  if (type === 'PORTAL_SESSION_EXPIRY') location.reload();
});
</script>`;

const app = express();

app.get('/settings', async (req, res) => {
  try {
    const link = await scalekit.organization.generatePortalLink(organizationId);
    res.set('cache-control', 'no-store').type('html').send(page(link.location));
  } catch (error) {
    console.error(`portal link failed: ${error && error.message}`);
    res.status(502).type('text').send('The admin portal is unavailable; try again.');
  }
});

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`open http://127.0.0.1:${server.address().port}/settings`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
