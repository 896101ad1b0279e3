// Runs the official Scalekit Node SDK against a Scalekit endpoint (the
// emulator in the tests) and prints one JSON object: each call's result or
// the error the SDK raised. Driven by ../../sdk_node.rs.
//
//   node run.js calls       every call of the check, in order
//   node run.js faults      a portal link refused with 429, then a call
//                           answered 503 once (the SDK retries it)
//   node run.js admin       the admin-portal scope: update, search and
//                           delete organizations, session policy, user
//                           management, domains, connections
//   node run.js link        one portal link, with the SSO feature
//   node run.js verify      reads {secret, headers, body} on stdin and
//                           checks it with verifyWebhookPayload
//
// Environment: SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID,
// SCALEKIT_CLIENT_SECRET, ORGANIZATION_ID (an existing organization).
'use strict';

const { ScalekitClient } = require('@scalekit-sdk/node');
const { Feature } = require('@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/organizations/organizations_pb');
const {
  ConnectionProvider,
  ConnectionType,
} = require('@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connections/connections_pb');

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

// Plain JSON for protobuf-es messages (bigint and Date included).
const plain = (value) =>
  JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === '$typeName') return undefined;
      if (typeof v === 'bigint') return v.toString();
      return v;
    }),
  );

const describeError = (error) => ({
  class: error && error.constructor ? error.constructor.name : typeof error,
  name: error && error.name,
  message: error && String(error.message),
  grpcStatus: error && error.grpcStatus !== undefined ? error.grpcStatus : null,
  httpStatus: error && error.httpStatus !== undefined ? error.httpStatus : null,
  errorCode: error && error.errorCode !== undefined ? error.errorCode : null,
  // An HTTP error (the token endpoint's, raised as axios's).
  responseStatus: error && error.response ? error.response.status : null,
});

async function record(results, name, call) {
  try {
    results[name] = { ok: true, value: plain(await call()) };
  } catch (error) {
    results[name] = { ok: false, error: describeError(error) };
  }
}

function client(secret) {
  return new ScalekitClient(
    env('SCALEKIT_ENVIRONMENT_URL'),
    env('SCALEKIT_CLIENT_ID'),
    secret === undefined ? env('SCALEKIT_CLIENT_SECRET') : secret,
  );
}

async function calls() {
  const results = {};
  const scalekit = client();
  const org = env('ORGANIZATION_ID');
  await record(results, 'generate_portal_link', () => scalekit.organization.generatePortalLink(org));
  // generatePortalLink takes no features; the SDK's own generated client
  // through its own retrying executor does.
  await record(results, 'generate_portal_link_with_features', async () => {
    const organization = scalekit.organization;
    const response = await scalekit.coreClient.connectExec(organization.client.generatePortalLink, {
      id: org,
      features: [Feature.sso],
    });
    return response.link;
  });
  await record(results, 'get_organization', () => scalekit.organization.getOrganization(org));
  await record(results, 'list_organization', () => scalekit.organization.listOrganization({ pageSize: 10 }));
  await record(results, 'create_organization', () =>
    scalekit.organization.createOrganization('Node SDK Corp', { externalId: 'tenant-node-sdk' }),
  );
  const created = results.create_organization.ok ? results.create_organization.value.organization.id : org;
  await record(results, 'update_organization_settings', () =>
    scalekit.organization.updateOrganizationSettings(created, {
      features: [
        { name: 'sso', enabled: true },
        { name: 'dir_sync', enabled: true },
      ],
    }),
  );
  await record(results, 'get_organization_by_external_id', () =>
    scalekit.organization.getOrganizationByExternalId('tenant-node-sdk'),
  );
  await record(results, 'list_connections', () => scalekit.connection.listConnections(org));
  await record(results, 'list_directories', () => scalekit.directory.listDirectories(org));
  await record(results, 'list_domains', () => scalekit.domain.listDomains(org));
  await record(results, 'unknown_organization', () => scalekit.organization.getOrganization('org_missing'));
  await record(results, 'invalid_organization_id', () => scalekit.organization.getOrganization('acme'));
  await record(results, 'wrong_credentials', () =>
    client('wrong-secret').organization.getOrganization(org),
  );
  return results;
}

async function admin() {
  const results = {};
  const scalekit = client();
  const orgs = scalekit.organization;
  await record(results, 'create', () =>
    orgs.createOrganization('Admin Scope Corp', {
      externalId: 'tenant-admin',
      slug: 'admin-scope',
      logoUrl: 'https://cdn.example/logo.png',
    }),
  );
  const id = results.create.ok ? results.create.value.organization.id : 'org_missing';
  await record(results, 'list_small_page', () => orgs.listOrganization({ pageSize: 2 }));
  await record(results, 'update', () =>
    orgs.updateOrganization(id, { displayName: 'Admin Scope Renamed', metadata: { plan: 'gold' } }),
  );
  await record(results, 'update_by_external_id', () =>
    orgs.updateOrganizationByExternalId('tenant-admin', { slug: 'renamed-scope' }),
  );
  await record(results, 'update_unknown', () => orgs.updateOrganization('org_missing', { displayName: 'x' }));
  await record(results, 'update_blank_name', () => orgs.updateOrganization(id, { displayName: '   ' }));
  await record(results, 'search', () => orgs.searchOrganization('renamed', 5));
  await record(results, 'search_page_too_large', () => orgs.searchOrganization('renamed', 31));
  await record(results, 'session_policy_default', () => orgs.getOrganizationSessionPolicy(id));
  await record(results, 'session_policy_update', () =>
    orgs.updateOrganizationSessionPolicy(id, {
      policySource: 'CUSTOM',
      absoluteSessionTimeout: 90,
      absoluteSessionTimeoutUnit: 'MINUTES',
      idleSessionTimeoutEnabled: true,
      idleSessionTimeout: 30,
      idleSessionTimeoutUnit: 'MINUTES',
    }),
  );
  await record(results, 'session_policy', () => orgs.getOrganizationSessionPolicy(id));
  await record(results, 'session_policy_invalid', () =>
    orgs.updateOrganizationSessionPolicy(id, { policySource: 'CUSTOM', absoluteSessionTimeout: 0 }),
  );
  await record(results, 'session_policy_unknown', () => orgs.getOrganizationSessionPolicy('org_missing'));
  await record(results, 'user_management_upsert', () =>
    orgs.upsertUserManagementSettings(id, { maxAllowedUsers: 50 }),
  );
  await record(results, 'user_management', () => orgs.getOrganizationUserManagementSetting(id));
  await record(results, 'create_domain', () =>
    scalekit.domain.createDomain(id, 'admin-scope.example', { domainType: 'ALLOWED_EMAIL_DOMAIN' }),
  );
  const domainId = results.create_domain.ok ? results.create_domain.value.domain.id : 'dom_missing';
  await record(results, 'create_domain_without_dot', () => scalekit.domain.createDomain(id, 'localhost'));
  await record(results, 'get_domain', () => scalekit.domain.getDomain(id, domainId));
  await record(results, 'delete_domain', () => scalekit.domain.deleteDomain(id, domainId));
  await record(results, 'get_deleted_domain', () => scalekit.domain.getDomain(id, domainId));
  await record(results, 'create_connection', () =>
    scalekit.connection.createConnection(id, { type: ConnectionType.SAML, provider: ConnectionProvider.OKTA }),
  );
  const connectionId = results.create_connection.ok ? results.create_connection.value.connection.id : 'conn_missing';
  await record(results, 'create_second_connection', () =>
    scalekit.connection.createConnection(id, { type: ConnectionType.OIDC, provider: ConnectionProvider.OKTA }),
  );
  await record(results, 'delete_connection', () => scalekit.connection.deleteConnection(id, connectionId));
  await record(results, 'delete_unknown_connection', () => scalekit.connection.deleteConnection(id, connectionId));
  await record(results, 'list_app_connections', () => scalekit.connection.listAppConnections());
  await record(results, 'unserved', () =>
    scalekit.coreClient.connectExec(orgs.client.getPortalLinks, { id }),
  );
  await record(results, 'delete', () => orgs.deleteOrganization(id));
  await record(results, 'get_deleted', () => orgs.getOrganization(id));
  await record(results, 'delete_again', () => orgs.deleteOrganization(id));
  return results;
}

async function faults() {
  const results = {};
  const scalekit = client();
  const org = env('ORGANIZATION_ID');
  await record(results, 'rate_limited', () => scalekit.organization.generatePortalLink(org));
  await record(results, 'unavailable_then_retried', () => scalekit.organization.getOrganization(org));
  return results;
}

async function link() {
  const results = {};
  const scalekit = client();
  await record(results, 'link', async () => {
    const response = await scalekit.coreClient.connectExec(scalekit.organization.client.generatePortalLink, {
      id: env('ORGANIZATION_ID'),
      features: [Feature.sso],
    });
    return response.link;
  });
  return results;
}

async function verify() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const delivery = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const scalekit = new ScalekitClient('http://127.0.0.1:1', 'unused', 'unused');
  const results = {};
  await record(results, 'verify', () =>
    scalekit.verifyWebhookPayload(delivery.secret, delivery.headers, delivery.body),
  );
  await record(results, 'verify_tampered', () =>
    scalekit.verifyWebhookPayload(delivery.secret, delivery.headers, delivery.body + ' '),
  );
  return results;
}

const modes = { admin, calls, faults, link, verify };
const mode = modes[process.argv[2]];
if (!mode) {
  console.error(`usage: node run.js ${Object.keys(modes).join('|')}`);
  process.exit(2);
}
mode().then(
  (results) => console.log(JSON.stringify(results)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
