// Lists a directory's users and groups, every page, and reads the directory
// with the official Scalekit Node SDK; prints one JSON object. Driven by
// ../../sdk_node_directory.rs.
//
// Environment: SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID,
// SCALEKIT_CLIENT_SECRET, ORGANIZATION_ID, DIRECTORY_ID.
'use strict';

const { ScalekitClient } = require('@scalekit-sdk/node');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main() {
  const scalekit = new ScalekitClient(
    env('SCALEKIT_ENVIRONMENT_URL'),
    env('SCALEKIT_CLIENT_ID'),
    env('SCALEKIT_CLIENT_SECRET'),
  );
  const org = env('ORGANIZATION_ID');
  const dir = env('DIRECTORY_ID');
  const out = { users: [], groups: [], userPages: 0, groupPages: 0 };
  let pageToken;
  do {
    const page = await scalekit.directory.listDirectoryUsers(org, dir, { pageSize: 10, pageToken });
    out.userPages += 1;
    out.userTotal = page.totalSize;
    for (const user of page.users) {
      out.users.push({
        id: user.id,
        email: user.email,
        preferredUsername: user.preferredUsername,
        givenName: user.givenName,
        groups: user.groups.map((group) => group.id),
      });
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  do {
    const page = await scalekit.directory.listDirectoryGroups(org, dir, { pageSize: 2, pageToken });
    out.groupPages += 1;
    for (const group of page.groups) {
      out.groups.push({ id: group.id, displayName: group.displayName, totalUsers: group.totalUsers });
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  const detailed = await scalekit.directory.listDirectoryUsers(org, dir, { pageSize: 1, includeDetail: true });
  out.detail = detailed.users[0].userDetail;
  const directory = await scalekit.directory.getPrimaryDirectoryByOrganizationId(org);
  out.directory = {
    id: directory.id,
    totalUsers: directory.totalUsers,
    totalGroups: directory.totalGroups,
    endpoint: directory.directoryEndpoint,
    secretSuffixes: directory.secrets.map((secret) => secret.secretSuffix),
  };
  return out;
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
