/**
 * Isolation, proven on every endpoint: generated from the served OpenAPI document, every operation
 * is called anonymously, with an expired and with a revoked token (401 each, public operations
 * aside), and as tenant A's admin on tenant B's objects — never a 2xx but where the operation acts
 * on the caller's own tenant or on what every tenant reads, never a 5xx, never B's data in the
 * answer, never a change to B's rows or an event about B. Then each operation is tried by B's
 * owner (B's admin, else the platform admin) with the same ids: a positive control, so that ids
 * nobody has cannot make the refusals pass. The count of operations with a positive control is
 * printed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { zipSync } from 'fflate';
import { packBundle } from '@stratos/contracts';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { startGitServer, type GitServer } from '../support/git-server';
import { successBodyValidator, type OpenApiDocument } from '../support/openapi';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { aCartridgeGroup, anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

interface Call {
  method: string;
  /** As the document names it: /api/tenants/{tenantDomain}. */
  template: string;
  public: boolean;
}

/** What only tenant B's own objects hold: none of it may reach tenant A. */
const B_MARKERS = ['beta-ops-marker@', 'bob-marker@', 'beta-marker-repo'];
/** Operations that act on the caller's own tenant, or on what every tenant reads: A may succeed there, on its own. */
const CALLERS_OWN = new Set([
  'GET /api/init',
  'GET /api/session',
  'DELETE /api/tokens/current',
  'GET /api/cartridges',
  'GET /api/cartridges/{type}',
  'GET /api/cartridges/filter/{filter}',
  'GET /api/cartridges/{type}/filter/{filter}',
  'GET /api/applications',
  'GET /api/applications/{id}',
  'GET /api/users',
  'POST /api/users',
  'POST /api/applications/{applicationId}/signup',
  'GET /api/applications/{applicationId}/domainMappings',
  'GET /api/topology',
  'GET /api/topology/events',
]);

/** Baking needs a docker member: with an engine, one is deployed to be baked; without, the two image operations have no control (printed). */
const docker = dockerForTests();
const BAKED_TAG = `stratos-test/isolation-baked-${process.pid}:v1`;
/** The docker member the image operations' controls bake (set once it is Active). */
let ovenMember: string | undefined;

describe('isolation on every operation of the OpenAPI document', () => {
  let platform: TestPlatform;
  let git: GitServer;
  let calls: Call[];
  let successBody: ReturnType<typeof successBodyValidator>;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  const send = async (call: Call, token: string | null, body?: unknown): Promise<{ status: number; text: string; contentType: string }> => {
    const path = fill(call.template) + (QUERIES[`${call.method} ${call.template}`] ?? '');
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    // A bundle (gzip) and an import (zip) are archives, everything else JSON: each write is sent as its operation takes it.
    const raw = Buffer.isBuffer(body) ? body : body === undefined ? undefined : JSON.stringify(body);
    if (raw !== undefined) headers['content-type'] = Buffer.isBuffer(body) ? (body.subarray(0, 2).toString() === 'PK' ? 'application/zip' : 'application/gzip') : 'application/json';
    const response = await fetch(`${platform.url}${path}`, { method: call.method, headers, body: raw, signal: AbortSignal.timeout(20_000) });
    // A live stream (the topology feed) answers its headers and then never ends: its status is the answer.
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, text: '', contentType };
    }
    return { status: response.status, text: await response.text(), contentType };
  };
  const fill = (template: string) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => {
      const collection = /^\/api\/(\w+)\//.exec(template)?.[1] ?? '';
      const byName: Record<string, string> = {
        tenantDomain: 'beta.example',
        userName: 'bob@beta.example',
        username: 'bob@beta.example',
        domainName: 'www.beta-site.example',
        fragment: 'beta',
        // The deployed one where a filter selects it; else one no deployment uses, which may change.
        type: template.includes('/filter/') ? 'mt-web' : 'php',
        cartridgeType: docker ? 'oven' : 'php',
        filter: 'multiTenant',
        applicationId: 'shared',
        policyId: 'ap-1',
        clusterId: 'shared.web',
        networkPartitionId: 'np-1',
        partitionId: 'p-3', // in no deployment policy: its drain moves nothing
        memberId: ids.member,
        name: template.startsWith('/api/schemas') ? 'cartridge' : template.startsWith('/api/artifacts') ? 'web' : 'colour',
        version: '1.0',
        value: 'blue',
      };
      if (name === 'id') {
        const idOf: Record<string, string> = { autoscalingPolicies: 'asp-1', networkPartitions: 'np-1', deploymentPolicies: 'dp-1', applicationPolicies: 'ap-1', cartridgeGroups: 'web-db', applications: 'shared', operations: ids.operation, migrations: ids.migration };
        return encodeURIComponent(idOf[collection] ?? 'unknown');
      }
      if (!(name in byName)) throw new Error(`${template}: no value for {${name}}: the isolation test needs one`);
      return encodeURIComponent(byName[name]);
    });

  /** B's rows and the events about B: what A's calls must leave as they are. */
  const bSnapshot = async () => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const q = async (sql: string) => JSON.stringify((await client.query(sql, [ids.b])).rows);
      return {
        tenant: await q('SELECT domain, email, first_name, last_name, active FROM tenants WHERE id = $1'),
        users: await q('SELECT username, role, email, password_hash FROM users WHERE tenant_id = $1 ORDER BY username'),
        tokens: await q('SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.tenant_id = $1'),
        signups: await q('SELECT application_id, artifact_repositories, revision FROM application_signups WHERE tenant_id = $1'),
        mappings: await q('SELECT domain_name, cartridge_alias, context_path FROM domain_mappings WHERE tenant_id = $1 ORDER BY domain_name'),
        events: (await client.query(`SELECT count(*)::int AS n FROM topology_events WHERE payload->>'tenantDomain' = 'beta.example'`)).rows[0].n as number,
      };
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    git = await startGitServer();
    const repo = git.createRepository('beta-marker-repo.git', { 'index.html': 'beta\n' });
    platform = await startTestPlatform({ broker: 'aedes', ...(docker && { docker: 'on' as const }) });
    for (const [domain, admin, email] of [['alpha.example', 'root-a', 'alpha-ops@alpha.example'], ['beta.example', 'root-b', 'beta-ops-marker@beta.example']]) {
      const added = await platform.post('/tenants', { tenantDomain: domain, admin, adminPassword: `${admin}-password-long`, email });
      ids[domain === 'beta.example' ? 'b' : 'a'] = String(added.tenant.tenantId);
    }
    const login = async (username: string, password: string) => (await platform.api('POST', '/tokens', { token: null, body: { username, password } })).body.token as string;
    tokens.a = await login('root-a@alpha.example', 'root-a-password-long');
    tokens.b = await login('root-b@beta.example', 'root-b-password-long');
    await platform.api('POST', '/users', { token: tokens.b, body: { userName: 'bob', credential: 'bob-password-long', email: 'bob-marker@beta.example' } });
    // An expired token of B's admin, and a revoked one.
    tokens.expired = `stk_expired-${Date.now()}`;
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    await client.query(`INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) SELECT $1, id, now() - interval '2 days', now() - interval '1 day' FROM users WHERE username = 'root-b@beta.example'`, [
      createHash('sha256').update(tokens.expired).digest('hex'),
    ]);
    await client.end();
    tokens.revoked = await login('root-b@beta.example', 'root-b-password-long');
    await platform.api('DELETE', '/tokens/current', { token: tokens.revoked });

    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }, { id: 'p-2' }, { id: 'p-3' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 3 }, { id: 'p-2', partitionMax: 3 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'mt-web', multiTenant: true, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'php', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'mysql', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridgeGroups', aCartridgeGroup());
    await platform.post('/applications', anApplication({ applicationId: 'shared', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 1, cartridgeMax: 2 })] } }));
    if (docker) {
      // An image artifact for the artifact operations' controls (the agent image, in the default engine).
      await platform.post('/artifacts', { name: 'web', version: '1.0', image: AGENT_IMAGE });
      // A docker member for the image operations' controls to bake (POST /api/images, then DELETE /api/images/oven).
      await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'host' }] }));
      await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitions: [{ id: 'host', partitionMax: 1 }] }] }));
      await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-docker', networkPartitions: ['np-docker'] }));
      await platform.post('/cartridges', aCartridge({ type: 'oven', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }] }));
      await platform.post('/applications', anApplication({ applicationId: 'ovens', components: { cartridges: [aSubscription('oven', 'oven', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'oven', deploymentPolicy: 'dp-docker' } })] } }));
      await platform.post('/applications/ovens/deploy/ap-docker', undefined, 202);
      await until('ovens Active', async () => (await platform.runtime('ovens')).status === 'Active', 90_000);
      ovenMember = (await platform.runtime('ovens')).clusters[0].members[0].memberId;
    }
    ids.operation = (await platform.post('/applications/shared/deploy/ap-1', undefined, 202)).operationId;
    await until('shared Active', async () => (await platform.runtime('shared')).status === 'Active', 60_000);
    ids.member = (await platform.runtime('shared')).clusters[0].members[0].memberId;
    // A migration for the migration operations' controls (the member goes to p-2; the control moves it back).
    ids.migration = (await platform.post(`/members/${ids.member}/migrate`, { to: 'p-2' }, 202)).migrationId;
    await migrated(platform, ids.migration);
    // A drain for the drain operations' controls (of a partition no policy uses: nothing moves).
    await platform.post('/networkPartitions/np-1/partitions/p-3/drain', undefined, 202);
    await until('the drain of p-3 finished', async () => (await platform.api('GET', '/networkPartitions/np-1/partitions/p-3/drain')).body.state === 'Finished');
    await platform.post('/metadata/applications/shared/properties', { key: 'colour', values: ['blue'] });
    await platform.post('/metadata/applications/shared/clusters/shared.web/properties', { key: 'colour', values: ['blue'] });
    expect((await platform.api('PUT', '/cartridges/php/bundle', { raw: BUNDLE, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    expect((await platform.api('POST', '/applications/shared/signup', { token: tokens.b, body: { artifactRepositories: [{ alias: 'web', repoUrl: repo }] } })).status).toBe(201);
    expect((await platform.api('POST', '/applications/shared/domainMappings', { token: tokens.b, body: { domainMappings: [{ cartridgeAlias: 'web', domainName: 'www.beta-site.example' }] } })).status).toBe(201);

    const document = (await (await fetch(`${platform.url}/api/docs/json`)).json()) as OpenApiDocument;
    successBody = successBodyValidator(document);
    calls = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.entries(methods)
        .filter(([method]) => ['get', 'post', 'put', 'delete', 'patch'].includes(method))
        .map(([method, operation]) => ({ method: method.toUpperCase(), template, public: (operation.security ?? []).length === 0 })),
    );
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await git?.close();
    if (docker) spawnSync('docker', ['image', 'rm', '-f', BAKED_TAG], { stdio: 'ignore' });
  });

  it('refuses anonymous, expired and revoked callers (401) on every operation that is not public', async () => {
    expect(calls.length).toBeGreaterThan(90);
    const wrong: string[] = [];
    for (const call of calls.filter((c) => !c.public)) {
      for (const [who, token] of [['anonymous', null], ['expired', tokens.expired], ['revoked', tokens.revoked]] as const) {
        const { status } = await send(call, token, call.method === 'GET' || call.method === 'DELETE' ? undefined : ownerBody(call.method, call.template));
        if (status !== 401) wrong.push(`${call.method} ${call.template} as ${who}: ${status}`);
      }
    }
    expect(wrong).toEqual([]);
    process.stdout.write(`isolation: ${calls.filter((c) => !c.public).length} secured operations refuse anonymous, expired and revoked tokens; public: ${calls.filter((c) => c.public).map((c) => `${c.method} ${c.template}`).join(', ')}\n`);
  });

  it("lets tenant A reach nothing of tenant B's on any operation: no 2xx on B's objects, no 5xx, none of B's data, no change to B's rows, no event about B", async () => {
    const before = await bSnapshot();
    const wrong: string[] = [];
    for (const call of calls) {
      const key = `${call.method} ${call.template}`;
      // The body names B's objects where a body names anything.
      const body = call.method === 'GET' || call.method === 'DELETE' ? undefined : bodyNamingB(call.template);
      const { status, text } = await send(call, tokens.a, body);
      if (status >= 500) wrong.push(`${key}: ${status} ${text.slice(0, 200)}`);
      else if (status < 300 && !CALLERS_OWN.has(key) && !call.public) wrong.push(`${key}: ${status} for tenant A`);
      for (const marker of B_MARKERS) if (text.includes(marker)) wrong.push(`${key}: B's data (${marker}) in the answer`);
    }
    expect(wrong).toEqual([]);
    expect(await bSnapshot()).toEqual(before);
  });

  it("succeeds for B's owner with the same ids (a positive control), on every operation it can be tried", async () => {
    const controlled: string[] = [];
    const without: string[] = [];
    const nonConforming: string[] = [];
    // Reads first, then writes, then what removes things, so that each finds what it needs; B's
    // logout, deactivation and deletion last of all (B's token works until then).
    const last = ['DELETE /api/tokens/current', 'PUT /api/tenants/deactivate/{tenantDomain}', 'DELETE /api/tenants/{tenantDomain}'];
    const rank = (c: Call) => {
      const key = `${c.method} ${c.template}`;
      if (last.includes(key)) return 10 + last.indexOf(key);
      if (SIGNUP_SEQUENCE.includes(key)) return 2;
      return c.method === 'GET' ? 0 : c.method === 'DELETE' || /\/(un)?deploy(\/|$)/.test(c.template) ? 2 : 1;
    };
    const sequence = (c: Call) => SIGNUP_SEQUENCE.indexOf(`${c.method} ${c.template}`);
    const ordered = [...calls].filter((c) => !c.public).sort((x, y) => rank(x) - rank(y) || DELETE_ORDER(x) - DELETE_ORDER(y) || sequence(x) - sequence(y));
    for (const call of ordered) {
      const key = `${call.method} ${call.template}`;
      const body = call.method === 'GET' || call.method === 'DELETE' ? undefined : ownerBody(call.method, call.template);
      let answer = await send(call, tokens.b, body);
      // The platform's, not a tenant's (or B is gone by now, or it is about the platform's deployment): its owner is the platform admin.
      if (answer.status >= 400) answer = await send(call, platform.adminToken, body);
      if (answer.status < 300) controlled.push(key);
      else without.push(`${key}: ${answer.status} ${answer.text.slice(0, 120)}`);
      // Its answer is what the document says it is.
      if (answer.status < 300 && answer.contentType.startsWith('application/json')) for (const problem of successBody(call.method, call.template, answer.status, answer.text)) nonConforming.push(`${key} ${answer.status}: ${problem}`);
      await AFTER[key]?.(platform);
    }
    process.stdout.write(`isolation: ${controlled.length} of ${ordered.length} secured operations had a positive control (succeeded for B's owner with the same ids); without one:\n  ${without.join('\n  ')}\n`);
    // Only baking needs what may not be here (a Docker engine, for a docker member): every other operation has its control.
    // Without an engine, neither are the image artifacts' (an artifact is an image in an engine).
    const needEngine = ['POST /api/images', 'DELETE /api/images/{cartridgeType}', 'POST /api/artifacts', 'GET /api/artifacts/{name}', 'POST /api/artifacts/{name}/versions/{version}/distribute', 'DELETE /api/artifacts/{name}/versions/{version}'];
    // Members' passwords are the broker's own only on Mosquitto with dynamic security (member-passwords.spec controls them there): on aedes, 409 and 404.
    const needDynsec = ['POST /api/member-passwords/rotation', 'GET /api/member-passwords/rotation'];
    expect(without.map((w) => w.slice(0, w.indexOf(':'))).sort()).toEqual([...needDynsec, ...(docker ? [] : needEngine)].sort());
    // The public operations' answers too.
    const names = JSON.parse((await send({ method: 'GET', template: '/api/schemas', public: true }, null)).text) as string[];
    for (const [template, path] of [['/api/health', '/api/health'], ['/api/schemas', '/api/schemas'], ['/api/schemas/{name}', `/api/schemas/${names[0]}`]]) {
      const answer = await send({ method: 'GET', template: path, public: true }, null);
      expect(answer.status).toBe(200);
      for (const problem of successBody('GET', template, answer.status, answer.text)) nonConforming.push(`GET ${template}: ${problem}`);
    }
    // Every success body had the shape the OpenAPI document declares for it.
    expect(nonConforming).toEqual([]);
  }, 240_000); // a deploy, an undeploy and a bake (a docker commit) among them
});

/** What a write as tenant A sends: bodies that name B's objects. */
function bodyNamingB(template: string): unknown {
  if (template === '/api/tenants') return { tenantDomain: 'beta.example', email: 'stolen@alpha.example', adminPassword: 'taken-over-password' };
  if (template === '/api/users') return { userName: 'bob@beta.example', credential: 'taken-over-password', role: 'admin' };
  if (template === '/api/users/{username}/password') return { password: 'taken-over-password' };
  if (template.endsWith('/domainMappings')) return { domainMappings: [{ cartridgeAlias: 'web', domainName: 'www.beta-site.example' }] };
  if (template.endsWith('/signup')) return { artifactRepositories: [] };
  return {};
}

/** What a call needs in its query besides its path. */
const QUERIES: Record<string, string> = { 'POST /api/import': '?iaas=mock' };
/** A Stratos folder with one policy, zipped. */
const IMPORT_ZIP = Buffer.from(zipSync({ 'autoscaling-policies/imported.json': new TextEncoder().encode(JSON.stringify(anAutoscalingPolicy({ id: 'asp-imported' }))) }));

const BUNDLE = packBundle([{ path: 'extensions/instance-started.sh', kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\nexit 0\n') }]);

/** What the owner sends for its positive control: a valid body for each write that has one. */
function ownerBody(method: string, template: string): unknown {
  const php = aCartridge({ type: 'php', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], displayName: 'PHP, updated' });
  const shared = anApplication({ applicationId: 'shared', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 1, cartridgeMax: 2 })] } });
  const bodies: Record<string, unknown> = {
    '/api/tenants': { tenantDomain: 'beta.example', email: 'beta-ops-marker@beta.example' },
    '/api/users': { userName: 'carol', credential: 'carol-password-long' },
    '/api/users/{username}/password': { password: 'bob-new-password-long' },
    '/api/applications/{applicationId}/signup': { artifactRepositories: [] },
    '/api/applications/{applicationId}/signup/{tenantDomain}': { artifactRepositories: [] },
    '/api/applications/{applicationId}/domainMappings': { domainMappings: [{ cartridgeAlias: 'web', domainName: 'shop.beta-site.example' }] },
    '/api/applications/{id}/scale': { alias: 'web', min: 1, max: 2 },
    '/api/metadata/applications/{applicationId}/properties': { key: 'shape', values: ['round'] },
    '/api/metadata/applications/{applicationId}/clusters/{clusterId}/properties': { key: 'shape', values: ['square'] },
    '/api/cartridges/{type}': php,
    '/api/cartridges/{type}/bundle': BUNDLE,
    '/api/import': IMPORT_ZIP,
    '/api/cartridges': aCartridge({ type: 'mt-web-2', multiTenant: true, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }),
    '/api/applications/{id}': shared,
    '/api/applications': anApplication({ applicationId: 'other', components: { cartridges: [aSubscription('php', 'php', { cartridgeMin: 1, cartridgeMax: 1 })] } }),
    '/api/autoscalingPolicies/{id}': anAutoscalingPolicy(),
    '/api/networkPartitions/{id}': aNetworkPartition({ partitions: [{ id: 'p-1' }, { id: 'p-2' }, { id: 'p-3' }] }),
    '/api/deploymentPolicies/{id}': aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 3 }, { id: 'p-2', partitionMax: 3 }] }] }),
    '/api/members/{memberId}/migrate': { to: 'p-1' },
    '/api/applicationPolicies/{id}': anApplicationPolicy(),
    '/api/cartridgeGroups/{id}': aCartridgeGroup(),
    '/api/autoscalingPolicies': anAutoscalingPolicy({ id: 'asp-2' }),
    '/api/networkPartitions': aNetworkPartition({ id: 'np-2', partitions: [{ id: 'p-9' }] }),
    '/api/deploymentPolicies': aDeploymentPolicy({ id: 'dp-2', networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 1 }] }] }),
    '/api/applicationPolicies': anApplicationPolicy({ id: 'ap-2' }),
    '/api/cartridgeGroups': aCartridgeGroup({ name: 'web-db-2' }),
    '/api/artifacts': { name: 'web', version: '2.0', image: AGENT_IMAGE },
    '/api/artifacts/{name}/versions/{version}/distribute': { regions: ['default'] },
  };
  if (method === 'POST' && template === '/api/images') return { fromMember: ovenMember ?? 'no-docker-member', tag: BAKED_TAG };
  if (method === 'POST' && template === '/api/tenants') return { tenantDomain: 'gamma.example', admin: 'root-g', adminPassword: 'root-g-password-long', email: 'ops@gamma.example' };
  return bodies[template] ?? {};
}

/** Until a migration is Done (its member runs on the target). */
const migrated = async (platform: TestPlatform, migrationId: string) =>
  expect(await until('the migration finished', async () => {
    const { body } = await platform.api('GET', `/migrations/${migrationId}`);
    return ['Done', 'Failed'].includes(body.phase) && body;
  }, 60_000)).toMatchObject({ phase: 'Done' });
const undeployed = async (platform: TestPlatform) => until('shared undeployed', async () => (await platform.api('GET', '/applications/shared/runtime')).status === 404, 60_000);
/** What some controls leave for the next ones to find: an undeploy done, a deploy undone, what a control added removed. */
const AFTER: Record<string, (platform: TestPlatform) => Promise<unknown>> = {
  // A bake is an operation: the image is the cartridge's once it is done, and its removal's control needs it there.
  'POST /api/images': async (platform) =>
    ovenMember && until('the oven baked', async () => ((await platform.api('GET', '/images')).body as { cartridgeType: string }[]).some((i) => i.cartridgeType === 'oven'), 120_000),
  'POST /api/applications/{id}/undeploy': undeployed,
  // Back in p-1 before the controls that follow (an undeploy, a deploy) find it moving.
  'POST /api/members/{memberId}/migrate': async (platform) =>
    until('the member back in p-1 and Active', async () => (await platform.runtime('shared')).clusters[0].members.some((m: { partitionId: string; status: string }) => m.partitionId === 'p-1' && m.status === 'Active'), 60_000),
  'POST /api/applications/{id}/deploy/{policyId}': async (platform) => {
    await until('shared deployed again', async () => (await platform.runtime('shared')).status === 'Active', 60_000);
    await platform.post('/applications/shared/undeploy', undefined, 202);
    await undeployed(platform);
  },
  // The last sign-up control leaves B signed up: the application could not be removed after it.
  'POST /api/applications/{applicationId}/signup/{tenantDomain}': async (platform) => expect((await platform.api('DELETE', '/applications/shared/signup/beta.example')).status).toBe(200),
  'DELETE /api/applications/{id}': async (platform) => {
    // 404: the control that adds it did not succeed (it is listed without one).
    for (const path of ['/applications/other', '/cartridgeGroups/web-db-2', '/applicationPolicies/ap-2', '/deploymentPolicies/dp-2', '/networkPartitions/np-2']) {
      const { status, body } = await platform.api('DELETE', path);
      expect([path, status, [200, 404].includes(status) ? '' : body.message]).toEqual([path, status, '']);
    }
  },
};

/** Sign-ups' controls, in an order where each finds the sign-up there or not as it needs. */
const SIGNUP_SEQUENCE = [
  'DELETE /api/applications/{applicationId}/signup/{tenantDomain}',
  'POST /api/applications/{applicationId}/signup',
  'DELETE /api/applications/{applicationId}/signup',
  'POST /api/applications/{applicationId}/signup/{tenantDomain}',
];

/** Among removals: the most dependent things first (a mapping before its sign-up, a user before its tenant, an application before its cartridges). */
function DELETE_ORDER(call: Call): number {
  const order = ['/drain', 'domainMappings', 'signup', '/users', 'tenants', '/metadata/', '/undeploy', '/deploy/', '/bundle', '/applications/', '/applications', 'cartridgeGroups', 'applicationPolicies', 'deploymentPolicies', 'networkPartitions', 'autoscalingPolicies', 'cartridges'];
  const at = order.findIndex((part) => call.template.includes(part));
  return at < 0 ? 0 : at;
}
