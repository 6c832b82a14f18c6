/**
 * A single-tenant application deployed per tenant: each tenant's admin deploys it for its tenant
 * and gets a deployment of its own (`solo~t<id>`: its clusters, its members), never a member of
 * another tenant's; it sees, scales and undeploys only its own; the platform admin sees them all;
 * a multi-tenant application is refused (sign up instead); the definition cannot go while any
 * tenant runs it; deactivating a tenant suspends its members (out of other clusters' trees) until it
 * is activated; deleting a tenant takes its deployment and members with it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemberView } from '@stratos/contracts';
import { availableBrokers } from '../support/brokers';
import { runCli } from '../support/cli';
import { launchPayloadOf } from '../support/member-files';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const alive = (pid: string | null) => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(availableBrokers())('single-tenant applications deployed per tenant (%s)', (broker) => {
  let platform: TestPlatform;
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const as = (who: string, method: string, path: string, body?: unknown) => platform.api(method, path, { token: tokens[who], body });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    for (const [domain, admin] of [['acme.com', 'boss'], ['globex.org', 'hank']]) {
      ids[domain] = (await platform.post('/tenants', { tenantDomain: domain, admin, adminPassword: `${admin}-admin-password`, email: `${admin}@${domain}` })).tenant.tenantId;
      tokens[domain] = (await platform.api('POST', '/tokens', { token: null, body: { username: `${admin}@${domain}`, password: `${admin}-admin-password` } })).body.token;
    }
    await platform.api('POST', '/users', { token: tokens['acme.com'], body: { userName: 'bob', credential: 'bob-user-password' } });
    tokens.bob = (await platform.api('POST', '/tokens', { token: null, body: { username: 'bob@acme.com', password: 'bob-user-password' } })).body.token;
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 6 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'db', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'mt-web', multiTenant: true, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription('db', 'db', { cartridgeMin: 1, cartridgeMax: 2 })] } }));
    await platform.post('/applications', anApplication({ applicationId: 'shared', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications', anApplication({ applicationId: 'solo2', components: { cartridges: [aSubscription('db', 'db', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/cartridges', aCartridge({ type: 'web', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post(
      '/applications',
      anApplication({
        applicationId: 'pair',
        components: { cartridges: [aSubscription('db', 'db', { cartridgeMin: 1, cartridgeMax: 1 }), aSubscription('web', 'web', { cartridgeMin: 1, cartridgeMax: 1 })], dependencies: { startupOrders: [{ aliases: ['cartridge.db', 'cartridge.web'] }] } },
      }),
    );
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('gives each tenant a deployment of its own, with members of its own, seen by it alone', async () => {
    const operations: Record<string, string> = {};
    for (const tenant of ['acme.com', 'globex.org']) {
      const deployed = await as(tenant, 'POST', '/applications/solo/deploy/ap-1');
      expect([deployed.status, deployed.body.applicationId]).toEqual([202, `solo~t${ids[tenant]}`]);
      operations[tenant] = deployed.body.operationId;
    }
    const runtimeOf = async (tenant: string) => (await as(tenant, 'GET', '/applications/solo/runtime')).body;
    await until('both tenant deployments Active', async () => (await runtimeOf('acme.com')).status === 'Active' && (await runtimeOf('globex.org')).status === 'Active', 60_000);
    const acme = await runtimeOf('acme.com');
    const globex = await runtimeOf('globex.org');
    expect(acme.clusters.map((c: { clusterId: string }) => c.clusterId)).toEqual([`solo~t${ids['acme.com']}.db`]);
    expect([acme.tenantId, globex.tenantId]).toEqual([ids['acme.com'], ids['globex.org']]);
    expect(globex.clusters.map((c: { clusterId: string }) => c.clusterId)).toEqual([`solo~t${ids['globex.org']}.db`]);
    const members = (r: { clusters: { members: MemberView[] }[] }) => r.clusters.flatMap((c) => c.members.map((m) => m.memberId));
    expect(members(acme).filter((m) => members(globex).includes(m))).toEqual([]); // never a shared member
    // Each member is told whose it is (Stratos's TENANT_ID), and which deployment (APPLICATION_ID).
    const payload = launchPayloadOf(acme.clusters[0].members[0].instanceId);
    expect([payload.TENANT_ID, payload.APPLICATION_ID]).toEqual([String(ids['acme.com']), `solo~t${ids['acme.com']}`]);
    // Its own operation, not the other tenant's (which the platform admin sees).
    expect((await as('acme.com', 'GET', `/operations/${operations['acme.com']}`)).body.status).toBe('succeeded');
    expect((await as('acme.com', 'GET', `/operations/${operations['globex.org']}`)).status).toBe(404);
    expect((await platform.api('GET', `/operations/${operations['globex.org']}`)).status).toBe(200);
    // Its users see it too (they do not deploy); each tenant's topology is its own; the admin's has both.
    expect((await as('bob', 'GET', '/applications/solo/runtime')).body.status).toBe('Active');
    expect((await as('bob', 'POST', '/applications/solo/undeploy')).status).toBe(403);
    expect((await as('acme.com', 'GET', '/topology')).body.applications.map((a: { applicationId: string }) => a.applicationId)).toEqual([`solo~t${ids['acme.com']}`]);
    expect((await platform.api('GET', '/topology')).body.applications.map((a: { applicationId: string }) => a.applicationId).sort()).toEqual([`solo~t${ids['acme.com']}`, `solo~t${ids['globex.org']}`]);
    // The platform's own deployment of the same application is a third, apart.
    expect((await platform.api('GET', '/applications/solo/runtime')).status).toBe(404);
  });

  it("reads and writes the metadata of its own deployment only (its users read it), named as the application or by its key", async () => {
    const acme = `solo~t${ids['acme.com']}`;
    const globex = `solo~t${ids['globex.org']}`;
    const added = await as('acme.com', 'POST', '/metadata/applications/solo/clusters/solo.db/properties', { key: 'colour', values: ['red'] });
    expect([added.status, added.body]).toEqual([201, { key: 'colour', values: ['red'] }]);
    expect((await as('acme.com', 'POST', '/metadata/applications/solo/properties', { key: 'tier', values: ['gold'] })).status).toBe(201);
    // Its users read it, by either name; they do not write it.
    expect((await as('bob', 'GET', `/metadata/applications/${acme}/clusters/${acme}.db/properties/colour`)).body).toEqual({ key: 'colour', values: ['red'] });
    expect((await as('bob', 'GET', '/metadata/applications/solo/properties')).body).toEqual([{ key: 'tier', values: ['gold'] }]);
    expect((await as('bob', 'POST', '/metadata/applications/solo/properties', { key: 'tier', values: ['tin'] })).status).toBe(403);
    // It is acme's deployment's, nobody else's: not globex's, not the platform's (which has none here).
    expect((await as('globex.org', 'GET', '/metadata/applications/solo/properties')).body).toEqual([]);
    expect((await as('globex.org', 'GET', `/metadata/applications/${acme}/properties`)).status).toBe(404);
    expect((await as('globex.org', 'DELETE', `/metadata/applications/${acme}/properties/tier`)).status).toBe(404);
    expect((await platform.api('GET', `/metadata/applications/${acme}/properties`)).body).toEqual([{ key: 'tier', values: ['gold'] }]);
    // The members' trees: a tenant sees its own members' (with what it wrote), not another tenant's.
    const [mine] = (await as('acme.com', 'GET', '/applications/solo/runtime')).body.clusters[0].members as MemberView[];
    const [theirs] = (await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].members as MemberView[];
    expect((await as('bob', 'GET', `/metadata/members/${mine.memberId}`)).body.tree).toMatchObject({ '/env/colour': 'red', '/env/tier': 'gold' });
    expect((await as('bob', 'GET', `/metadata/members/${theirs.memberId}`)).status).toBe(404);
    // And their logs alike.
    expect((await as('bob', 'GET', `/members/${mine.memberId}/logs`)).status).toBe(200);
    expect((await as('bob', 'GET', `/members/${theirs.memberId}/logs`)).status).toBe(404);
    expect((await as('acme.com', 'DELETE', '/metadata/applications/solo/properties')).status).toBe(200);
    expect((await platform.api('GET', `/metadata/applications/${acme}/properties`)).body).toEqual([]);
    expect((await platform.api('GET', `/metadata/applications/${globex}/properties`)).status).toBe(200);
  });

  it('refuses what a tenant cannot deploy, and the definition while tenants run it', async () => {
    const shared = await as('acme.com', 'POST', '/applications/shared/deploy/ap-1');
    expect([shared.status, shared.body.message]).toEqual([409, expect.stringContaining('sign up to it instead')]);
    expect((await as('acme.com', 'POST', '/applications/solo/deploy/ap-1')).status).toBe(409); // deployed for it already
    const removed = await platform.api('DELETE', '/applications/solo');
    expect([removed.status, removed.body.message]).toEqual([409, 'application "solo" is deployed (2 tenant deployment(s) of it too); undeploy it first']);
  });

  it('lets a tenant scale and undeploy its own deployment only', async () => {
    const scaled = await as('acme.com', 'POST', '/applications/solo/scale', { alias: 'db', min: 2 });
    expect([scaled.status, scaled.body.clusterId]).toEqual([200, `solo~t${ids['acme.com']}.db`]);
    expect((await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].minMembers).toBe(1);
    expect((await as('acme.com', 'POST', '/applications/solo/undeploy')).status).toBe(202);
    await until("acme's deployment gone", async () => (await as('acme.com', 'GET', '/applications/solo/runtime')).status === 404, 60_000);
    expect((await as('globex.org', 'GET', '/applications/solo/runtime')).body.status).toBe('Active');
  });

  it("carries a live change of the definition's bounds to every tenant's deployment, and refuses any other change while tenants run it", async () => {
    const solo = (min: number, type = 'db') => anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription(type, 'db', { cartridgeMin: min, cartridgeMax: 2 })] } });
    const refused = await platform.api('PUT', '/applications/solo', { body: solo(1, 'web') });
    expect([refused.status, refused.body.message]).toEqual([409, 'application "solo" is deployed (1 tenant deployment(s) of it): only cartridgeMin and cartridgeMax may change while it runs; undeploy it to change the rest']);
    expect((await platform.api('PUT', '/applications/solo', { body: solo(2) })).status).toBe(200);
    await until("globex's solo at two members", async () => (await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].members.filter((m: MemberView) => m.status === 'Active').length === 2, 60_000);
    expect((await platform.api('PUT', '/applications/solo', { body: solo(1) })).status).toBe(200);
    await until("globex's solo back at one member", async () => (await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].members.length === 1, 60_000);
  });

  it("holds a tenant to its quota, which only the platform admin sets, refusing with the quota's name", async () => {
    expect((await as('acme.com', 'PUT', '/tenants', { tenantDomain: 'acme.com', quota: { deployments: 5 } })).body.errors).toEqual([{ path: '/quota', message: "is the platform admin's to set" }]);
    expect((await platform.api('PUT', '/tenants', { body: { tenantDomain: 'acme.com', quota: { deployments: 1, members: 1 } } })).status).toBe(200);
    expect((await as('acme.com', 'POST', '/applications/solo/deploy/ap-1')).status).toBe(202);
    await until("acme's deployment Active", async () => (await as('acme.com', 'GET', '/applications/solo/runtime')).body.status === 'Active', 60_000);
    const second = await as('acme.com', 'POST', '/applications/solo2/deploy/ap-1');
    expect([second.status, second.body.message, second.body.errors]).toEqual([409, 'the quota of tenant acme.com allows 1 deployments; it has 1, and this needs 1 more', [{ path: '/quota/deployments', message: '1 + 1 is more than 1' }]]);
    const grow = await as('acme.com', 'POST', '/applications/solo/scale', { alias: 'db', min: 2 });
    expect([grow.status, grow.body.errors]).toEqual([409, [{ path: '/quota/members', message: '1 + 1 is more than 1' }]]);
    expect((await as('acme.com', 'GET', '/tenants/acme.com')).body).toMatchObject({ quota: { deployments: 1, members: 1 }, usage: { deployments: 1, members: 1 } });
    // The platform admin's live change of the definition is held to it too, and refused whole: no deployment changes.
    const growAll = await platform.api('PUT', '/applications/solo', { body: anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription('db', 'db', { cartridgeMin: 2, cartridgeMax: 2 })] } }) });
    expect([growAll.status, growAll.body.errors]).toEqual([409, [{ path: '/quota/members', message: '1 + 1 is more than 1' }]]);
    expect((await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].minMembers).toBe(1);
    expect((await platform.api('GET', '/applications/solo')).body.components.cartridges[0].cartridgeMin).toBe(1);
    // null lifts a limit; the other stays.
    expect((await platform.api('PUT', '/tenants', { body: { tenantDomain: 'acme.com', quota: { members: null } } })).body.tenant.quota).toEqual({ deployments: 1, members: null });
    expect((await as('acme.com', 'POST', '/applications/solo/scale', { alias: 'db', min: 2 })).status).toBe(200);
    expect((await as('acme.com', 'POST', '/applications/solo/undeploy')).status).toBe(202);
    await until("acme's deployment gone again", async () => (await as('acme.com', 'GET', '/applications/solo/runtime')).status === 404, 60_000);
  });

  it("works from the CLI as the tenant's admin: app deploy --wait, runtime, scale --wait and undeploy --wait follow its own deployment", async () => {
    const env = { STRATOS_CLI_CONFIG: join(mkdtempSync(join(tmpdir(), 'stratos-cli-')), 'cli.json'), STRATOS_URL: platform.url, STRATOS_TOKEN: tokens['acme.com'] };
    const cli = (args: string[]) => runCli(args, { env, timeoutMs: 90_000 });
    const key = `solo2~t${ids['acme.com']}`;
    const deployed = await cli(['app', 'deploy', 'solo2', '--policy', 'ap-1', '--wait', '--timeout', '60']);
    // Its progress is its own deployment's (before, --wait watched for events of "solo2" and never ended).
    expect([deployed.code, deployed.stdout]).toEqual([0, expect.stringMatching(/deployed in \d+\.\d s\n$/)]);
    expect(deployed.stdout).toContain(`application ${key}  Created → Active`);
    const runtime = JSON.parse((await cli(['app', 'runtime', 'solo2', '--json'])).stdout);
    expect([runtime.applicationId, runtime.tenantId, runtime.clusters.map((c: { clusterId: string }) => c.clusterId)]).toEqual([key, ids['acme.com'], [`${key}.db`]]);
    const scaled = await cli(['app', 'scale', 'solo2', '--cluster', 'db', '--min', '2', '--max', '2', '--wait', '--timeout', '60']);
    expect([scaled.code, scaled.stdout]).toEqual([0, expect.stringMatching(/scaled in \d+\.\d s\n$/)]);
    const undeployed = await cli(['app', 'undeploy', 'solo2', '--wait', '--timeout', '60']);
    expect([undeployed.code, undeployed.stdout]).toEqual([0, expect.stringMatching(/undeployed in \d+\.\d s\n$/)]);
    expect((await as('acme.com', 'GET', '/applications/solo2/runtime')).status).toBe(404);
  });

  it("deactivating a tenant suspends its own deployments' members, out of other clusters' sight, and activating resumes them", async () => {
    expect((await as('globex.org', 'POST', '/applications/pair/deploy/ap-1')).status).toBe(202);
    const pair = `pair~t${ids['globex.org']}`;
    await until("globex's pair Active", async () => (await as('globex.org', 'GET', '/applications/pair/runtime')).body.status === 'Active', 60_000);
    const memberOf = async (alias: string) => (await platform.runtime(pair)).clusters.find((c) => c.alias === alias)!.members;
    const [db] = await memberOf('db');
    const [web] = await memberOf('web');
    const dbInWebsTree = async () => Object.keys((await platform.api('GET', `/metadata/members/${web.memberId}`)).body.tree).some((k) => k.startsWith(`/links/db/hosts/${db.memberId}/`));
    expect(await dbInWebsTree()).toBe(true);
    const watch = await platform.watchEvents();
    try {
      expect((await platform.api('PUT', '/tenants/deactivate/globex.org')).body).toMatchObject({ changed: true, warnings: [] });
      const suspended = await until('every member of the pair Suspended', async () => {
        const runtime = await platform.runtime(pair);
        return runtime.clusters.every((c) => c.members.every((m) => m.status === 'Suspended')) && runtime;
      });
      // Suspended, not stopped or replaced: the same members run on, their clusters and the deployment stay up.
      expect(suspended.clusters.flatMap((c) => c.members.map((m) => m.memberId)).sort()).toEqual([db.memberId, web.memberId].sort());
      expect([db, web].every((m) => alive(m.instanceId))).toBe(true);
      expect([suspended.status, ...suspended.clusters.map((c) => c.status)]).toEqual(['Active', 'Active', 'Active']);
      const suspension = await until('the suspension on the feed', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === db.memberId && e.payload.member.status === 'Suspended'));
      expect(suspension.payload.reason).toBe('its tenant globex.org is deactivated');
      expect(await dbInWebsTree()).toBe(false); // the web tier no longer sees it
      // Its other deployment too (a pass takes them one after the other).
      await until("globex's solo Suspended too", async () => (await platform.runtime(`solo~t${ids['globex.org']}`)).clusters[0].members.every((m) => m.status === 'Suspended'));

      expect((await platform.api('PUT', '/tenants/activate/globex.org')).body).toMatchObject({ changed: true, warnings: [] });
      await until('every member of the pair Active again', async () => (await platform.runtime(pair)).clusters.every((c) => c.members.every((m) => m.status === 'Active')));
      expect(await dbInWebsTree()).toBe(true);
      const resumption = await until('the resumption on the feed', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === db.memberId && e.payload.from === 'Suspended'));
      expect(resumption.payload.reason).toBe('its tenant is active again');
      expect((await platform.runtime(pair)).clusters.flatMap((c) => c.members.map((m) => m.memberId)).sort()).toEqual([db.memberId, web.memberId].sort());
    } finally {
      await watch.close();
    }
    expect((await as('globex.org', 'POST', '/applications/pair/undeploy')).status).toBe(202);
    await until("globex's pair gone", async () => (await as('globex.org', 'GET', '/applications/pair/runtime')).status === 404, 60_000);
  });

  it("deleting a tenant takes its deployment and its members with it", async () => {
    const members = (await as('globex.org', 'GET', '/applications/solo/runtime')).body.clusters[0].members as MemberView[];
    expect(members.every((m) => alive(m.instanceId))).toBe(true);
    expect((await platform.api('DELETE', '/tenants/globex.org')).status).toBe(200);
    await until("globex's members stopped", async () => members.every((m) => !alive(m.instanceId)), 60_000);
    expect((await platform.api('GET', `/applications/solo~t${ids['globex.org']}/runtime`)).status).toBe(404);
    expect((await platform.api('DELETE', '/applications/solo')).status).toBe(200); // nobody runs it now
  });
});
