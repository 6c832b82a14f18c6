/**
 * Tenants signing up to a deployed multi-tenant application, with real members (local processes),
 * a real git server and each real broker (aedes, and Mosquitto with per-member identities): each member of the application's multi-tenant cluster
 * gives each signed-up tenant a folder of its own under APPLICATION_PATH/tenants/<id> with the
 * tenant's repository cloned there and confirms; the sign-up is Active once all of them did. A
 * member that comes later prepares every tenant before it is Active; a deactivated tenant's
 * folders go (and come back on activation); removing the sign-up removes them everywhere.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packBundle, type MemberView } from '@stratos/contracts';
import { availableBrokers } from '../support/brokers';
import { runCli } from '../support/cli';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const GIT_PASSWORD = 'acme-git-pa55word-not-for-logs';

describe.each(availableBrokers())('sign-ups to a multi-tenant application (%s)', (broker) => {
  let platform: TestPlatform;
  let git: GitServer;
  let publicGit: GitServer;
  let acmeRepo: string;
  let globexRepo: string;
  const tokens: Record<string, string> = {};
  const ids: Record<string, number> = {};
  const as = (who: string, method: string, path: string, body?: unknown) => platform.api(method, path, { token: tokens[who], body });
  const webMembers = async () => (await platform.runtime('portal')).clusters.find((c) => c.alias === 'web')!.members as MemberView[];
  const tenantFile = (m: MemberView, tenant: string, file: string) => join(platform.home, 'members', m.memberId, 'root', 'srv/www/tenants', String(ids[tenant]), file);
  /** A file's text, or '' while it is not there (a pull rewriting it: git replaces a file, which for a moment is not there). */
  const readNow = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const signUpOf = async (who: string) => (await as(who, 'GET', '/applications/portal/signup')).body;
  /** The topology events a token's holder is shown from the start of the log, until one satisfies `until`. */
  const watchAs = async (token: string, stop: (event: { type: string; revision: number; payload: any }) => boolean) => {
    const response = await fetch(`${platform.url}/api/topology/events?since=0`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
    const reader = response.body!.getReader();
    const events: { type: string; revision: number; payload: any }[] = [];
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before the event awaited; it showed ${events.map((e) => e.type).join(', ')}`);
      buffer += Buffer.from(value).toString();
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        const event = JSON.parse(data.slice(6)) as { type: string; revision: number; payload: any };
        events.push(event);
        if (stop(event)) {
          await reader.cancel();
          return events;
        }
      }
    }
  };

  beforeAll(async () => {
    git = await startGitServer({ username: 'acme-deployer', password: GIT_PASSWORD });
    acmeRepo = git.createRepository('acme-site.git', { 'index.html': 'acme home\n' });
    publicGit = await startGitServer();
    globexRepo = publicGit.createRepository('globex-site.git', { 'index.html': 'globex home\n' });
    platform = await startTestPlatform({ broker });
    for (const [domain, admin] of [['acme.com', 'boss'], ['globex.org', 'hank'], ['initech.com', 'bill']]) {
      const added = await platform.post('/tenants', { tenantDomain: domain, admin, adminPassword: `${admin}-admin-password`, email: `${admin}@${domain}` });
      ids[domain] = added.tenant.tenantId;
      tokens[domain] = (await platform.api('POST', '/tokens', { token: null, body: { username: `${admin}@${domain}`, password: `${admin}-admin-password` } })).body.token;
    }
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 4 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    const appPath = [{ name: 'payload_parameter.APPLICATION_PATH', value: '/srv/www' }];
    const pullEverySecond = [...appPath, { name: 'payload_parameter.ARTIFACT_PULL_INTERVAL_S', value: '1' }];
    await platform.post('/cartridges', aCartridge({ type: 'mt-web', multiTenant: true, portMapping: [], property: pullEverySecond, iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'st-db', portMapping: [], property: appPath, iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'portal', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 2, cartridgeMax: 3 }), aSubscription('st-db', 'db', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications', anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription('st-db', 'db', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications/portal/deploy/ap-1', undefined, 202);
    await until('portal Active', async () => (await platform.runtime('portal')).status === 'Active', 60_000);
  });
  afterAll(async () => {
    await platform?.stop();
    await git?.close();
    await publicGit?.close();
  });

  it("signs a tenant up with its private repository: every multi-tenant member prepares it, then the sign-up is Active; the password is never shown", async () => {
    const watch = await platform.watchEvents();
    try {
      const body = { artifactRepositories: [{ alias: 'web', privateRepo: true, repoUrl: acmeRepo, repoUsername: 'acme-deployer', repoPassword: GIT_PASSWORD }] };
      const added = await as('acme.com', 'POST', '/applications/portal/signup', body);
      expect([added.status, added.body.message]).toEqual([201, 'Successfully signed up for: [application] portal']);
      expect(added.body.signUp).toMatchObject({ applicationId: 'portal', tenantDomain: 'acme.com', revision: 1, clusterIds: ['portal.web'] });
      const active = await until('acme Active', async () => ((await signUpOf('acme.com')).status === 'Active' ? signUpOf('acme.com') : undefined), 60_000);
      expect(active.clusters).toEqual([{ clusterId: 'portal.web', alias: 'web', activeMembers: 2, prepared: 2, failed: 0 }]);
    expect(active.problems).toEqual([]);
      expect(active.artifactRepositories).toEqual([{ alias: 'web', privateRepo: true, repoUrl: acmeRepo, repoUsername: 'acme-deployer', repoPassword: '******' }]);
      for (const m of await webMembers()) expect(readFileSync(tenantFile(m, 'acme.com', 'index.html'), 'utf8')).toBe('acme home\n');
      // The single-tenant cluster of the same application serves nobody's tenants.
      const db = (await platform.runtime('portal')).clusters.find((c) => c.alias === 'db')!.members[0];
      expect(existsSync(join(platform.home, 'members', db.memberId, 'root', 'srv/www/tenants'))).toBe(false);
      const types = watch.events.filter((e) => e.type.startsWith('ApplicationSignUp')).map((e) => `${e.type} ${e.payload.tenantDomain}`);
      expect(types).toEqual(['ApplicationSignUpAdded acme.com', 'ApplicationSignUpActive acme.com']);
      expect(JSON.stringify(watch.events)).not.toContain(GIT_PASSWORD);
      // The tree names the tenant; never its credentials.
      const tree = (await platform.api('GET', `/metadata/members/${(await webMembers())[0].memberId}`)).body;
      expect(JSON.stringify(tree)).toContain(`/tenants/${ids['acme.com']}/domain`);
      expect(JSON.stringify(tree)).not.toContain(GIT_PASSWORD);
    } finally {
      await watch.close();
    }
  });

  it('refuses what cannot be signed up, at its pointer or with its reason', async () => {
    const bad = await as('globex.org', 'POST', '/applications/portal/signup', { artifactRepositories: [{ alias: 'db', repoUrl: globexRepo }] });
    expect([bad.status, bad.body.errors]).toEqual([400, [expect.objectContaining({ path: '/artifactRepositories/0/alias', allowed: ['web'] })]]);
    expect((await as('globex.org', 'POST', '/applications/portal/signup', { artifactRepositories: [{ alias: 'web' }] })).body.errors).toEqual([{ path: '/artifactRepositories/0/repoUrl', message: 'is required' }]);
    expect((await as('acme.com', 'POST', '/applications/portal/signup', {})).status).toBe(409); // signed up already
    const solo = await as('globex.org', 'POST', '/applications/solo/signup', {});
    expect([solo.status, solo.body.message]).toEqual([409, 'application "solo" is not deployed: tenants sign up to deployed applications']);
    expect((await platform.api('POST', '/applications/portal/signup', { body: {} })).body.errors).toEqual([{ path: '/tenantDomain', message: 'is required in the path for a platform user' }]);
    expect((await as('globex.org', 'GET', '/applications/portal/signup')).status).toBe(404);
    expect((await as('globex.org', 'GET', '/applications/portal/signups')).status).toBe(403);
  });

  it("lets the platform admin sign a tenant up (stratos app signup --wait) and list every sign-up; each tenant sees only its own", async () => {
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(platform.home, 'no-cli.json') };
    const added = await runCli(['app', 'signup', 'portal', '--tenant', 'globex.org', '--repo', `web=${globexRepo}`, '--wait'], { env, timeoutMs: 90_000 });
    expect([added.code, added.stdout.trim()]).toEqual([0, 'Successfully signed up for: [application] portal: Active']);
    expect(added.stderr).toMatch(/Active: members prepared web 2\/2/);
    const table = await runCli(['app', 'signups', 'portal'], { env });
    expect(table.stdout).toMatch(/^TENANT\s+ID\s+STATUS\s+PREPARED\s+REPOSITORIES\s+SINCE\n/);
    expect(table.stdout).toMatch(/globex\.org\s+\d+\s+Active\s+web 2\/2/);
    const all = (await platform.api('GET', '/applications/portal/signups')).body as { tenantDomain: string; status: string }[];
    expect(all.map((s) => [s.tenantDomain, s.status])).toEqual([
      ['acme.com', 'Active'],
      ['globex.org', 'Active'],
    ]);
    expect((await signUpOf('acme.com')).tenantDomain).toBe('acme.com');
    expect((await signUpOf('globex.org')).tenantDomain).toBe('globex.org');
    for (const m of await webMembers()) expect(readFileSync(tenantFile(m, 'globex.org', 'index.html'), 'utf8')).toBe('globex home\n');
  });

  it("brings each tenant's checkout to its repository's HEAD on every member, on the pull interval", async () => {
    const commit = git.commit('acme-site.git', { 'index.html': 'acme home, version 2\n' }, 'second');
    const members = await webMembers();
    await until('every member has acme version 2', async () => members.every((m) => readNow(tenantFile(m, 'acme.com', 'index.html')) === 'acme home, version 2\n'), 30_000);
    const logs = (await platform.api('GET', `/members/${members[0].memberId}/logs?tail=65536`)).body.text as string;
    expect(logs).toContain(`tenant acme.com (${ids['acme.com']}): artifacts updated to ${commit.slice(0, 12)}`);
    expect(logs).not.toContain(GIT_PASSWORD);
  });

  it("pulls a tenant's checkout on every member when a git hook proves the sign-up's hook secret or comes with the tenant admin's token", async () => {
    // Members that never pull on an interval: only a hook moves them.
    await platform.post('/cartridges', aCartridge({ type: 'mt-hooked', multiTenant: true, portMapping: [], property: [{ name: 'payload_parameter.APPLICATION_PATH', value: '/srv/www' }, { name: 'payload_parameter.ARTIFACT_PULL_INTERVAL_S', value: '0' }], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    // Its template lists the tenants the member prepared: each one's folder and owner, as only the member knows them.
    const file = (path: string, text: string) => ({ path, kind: 'file' as const, mode: 0o644, content: Buffer.from(text) });
    const bundle = packBundle([
      file('confd/conf.d/tenants.toml', '[template]\nsrc = "tenants.tmpl"\ndest = "/srv/www/tenants.txt"\nkeys = ["/tenants"]\n'),
      file('confd/templates/tenants.tmpl', '{{range $id := ls "/tenants"}}{{$id}} {{getv (printf "/tenants/%s/path" $id) "-"}} {{getv (printf "/tenants/%s/uid" $id) "-"}}\n{{end}}'),
    ]);
    expect((await platform.api('PUT', '/cartridges/mt-hooked/bundle', { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    await platform.post('/applications', anApplication({ applicationId: 'hooked', components: { cartridges: [aSubscription('mt-hooked', 'site', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
    await platform.post('/applications/hooked/deploy/ap-1', undefined, 202);
    await until('hooked Active', async () => (await platform.runtime('hooked')).status === 'Active', 60_000);
    const hookSecret = 'globex-hook-secret-0123456789';
    const signedUp = await as('globex.org', 'POST', '/applications/hooked/signup', { artifactRepositories: [{ alias: 'site', repoUrl: globexRepo, hookSecret }] });
    expect([signedUp.status, signedUp.body.signUp.artifactRepositories]).toEqual([201, [{ alias: 'site', repoUrl: globexRepo, hookSecret: '******' }]]);
    await until('globex prepared on hooked', async () => (await as('globex.org', 'GET', '/applications/hooked/signup')).body.status === 'Active', 60_000);
    const members = (await platform.runtime('hooked')).clusters[0].members;
    const globexFolder = (m: MemberView) => join(platform.home, 'members', m.memberId, 'root', 'srv/www/tenants', String(ids['globex.org']));
    const listed = (m: MemberView) => readNow(join(platform.home, 'members', m.memberId, 'root', 'srv/www/tenants.txt'));
    await until("each member's template lists globex with its folder and owner", async () => members.every((m) => listed(m) === `${ids['globex.org']} /srv/www/tenants/${ids['globex.org']} ${statSync(globexFolder(m)).uid}\n`), 30_000);
    const index = (m: MemberView) => readNow(join(platform.home, 'members', m.memberId, 'root', 'srv/www/tenants', String(ids['globex.org']), 'index.html'));
    const notify = (query: string, token: string | null) =>
      fetch(`${platform.url}/api/repo/notify${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify({ repository: { url: globexRepo } }) });

    publicGit.commit('globex-site.git', { 'index.html': 'globex home, version 2\n' }, 'second');
    expect((await notify('?secret=not-the-secret-at-all', null)).status).toBe(401);
    const byHook = await notify(`?secret=${hookSecret}`, null);
    expect([byHook.status, await byHook.json()]).toEqual([200, { repoUrl: globexRepo, clusters: [], signUps: [{ applicationId: 'hooked', tenantDomain: 'globex.org' }] }]);
    await until('every hooked member has globex version 2', async () => members.every((m) => index(m) === 'globex home, version 2\n'), 30_000);

    publicGit.commit('globex-site.git', { 'index.html': 'globex home, version 3\n' }, 'third');
    expect((await notify('', tokens['acme.com'])).status).toBe(404); // not acme's repository
    expect((await notify('', tokens['globex.org'])).status).toBe(200);
    await until('every hooked member has globex version 3', async () => members.every((m) => index(m) === 'globex home, version 3\n'), 30_000);
    expect((await as('globex.org', 'DELETE', '/applications/hooked/signup')).status).toBe(200);
    await platform.post('/applications/hooked/undeploy', undefined, 202);
    await until('hooked undeployed', async () => (await platform.api('GET', '/applications/hooked/runtime')).status === 404, 60_000);
  });

  it("shows why members could not prepare a tenant, and stratos app signup --wait stops there with the reason", async () => {
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(platform.home, 'no-cli.json') };
    const missing = `${publicGit.url}/no-such-repository.git`;
    const added = await runCli(['app', 'signup', 'portal', '--tenant', 'initech.com', '--repo', `web=${missing}`, '--wait'], { env, timeoutMs: 90_000 });
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/could not prepare the tenant/);
    expect(added.stderr).toContain('no-such-repository.git');
    const signUp = (await platform.api('GET', '/applications/portal/signup/initech.com')).body;
    expect([signUp.status, signUp.clusters[0].failed, signUp.problems.length]).toEqual(['Pending', 2, 2]);
    expect(signUp.problems[0].message).toMatch(/git clone of .*no-such-repository\.git failed/);
    expect((await platform.api('DELETE', '/applications/portal/signup/initech.com')).status).toBe(200);
  });

  it("shows a tenant's users the applications it signed up to, and their events, and nothing of another tenant's", async () => {
    expect((await as('acme.com', 'GET', '/applications/portal/runtime')).body.clusters.map((c: { alias: string }) => c.alias).sort()).toEqual(['db', 'web']);
    expect((await as('initech.com', 'GET', '/applications/portal/runtime')).status).toBe(404); // not signed up
    expect((await as('acme.com', 'GET', '/topology')).body.applications.map((a: { applicationId: string }) => a.applicationId)).toEqual(['portal']);
    expect((await as('initech.com', 'GET', '/topology')).body.applications).toEqual([]);
    expect((await platform.api('GET', '/topology')).body.applications.length).toBe(1); // the admin sees every deployment (portal; solo is not deployed)
  });

  it('a member that comes later prepares every signed-up tenant before it is Active; a tenant watching sees it come, and no other tenant', async () => {
    const before = new Set((await webMembers()).map((m) => m.memberId));
    // The member the scale adds: created after the ClusterScaled event, awaited until Active.
    let scaledAt = 0;
    const added = new Set<string>();
    const watched = watchAs(tokens['acme.com'], (e) => {
      if (e.type === 'ClusterScaled') scaledAt = e.revision;
      if (scaledAt && e.type === 'MemberCreated' && e.payload.clusterId === 'portal.web') added.add(e.payload.member.memberId);
      return e.type === 'MemberStatusChanged' && added.has(e.payload.member.memberId) && e.payload.member.status === 'Active';
    });
    expect((await platform.api('POST', '/applications/portal/scale', { body: { alias: 'web', min: 3 } })).status).toBe(200);
    const events = await watched;
    expect(events.filter((e) => e.type.startsWith('ApplicationSignUp')).map((e) => `${e.type} ${e.payload.tenantDomain}`)).toEqual(['ApplicationSignUpAdded acme.com', 'ApplicationSignUpActive acme.com']);
    expect(events.some((e) => e.type === 'MemberNotice')).toBe(false);
    expect(JSON.stringify(events)).not.toMatch(/globex|initech/);
    expect(events.some((e) => e.type === 'ClusterScaled')).toBe(true);
    const newcomer = await until('a third web member Active', async () => (await webMembers()).find((m) => !before.has(m.memberId) && m.status === 'Active'), 60_000);
    for (const tenant of ['acme.com', 'globex.org']) expect(existsSync(tenantFile(newcomer, tenant, 'index.html'))).toBe(true);
    const acme = await signUpOf('acme.com');
    expect([acme.status, acme.clusters[0].activeMembers, acme.clusters[0].prepared]).toEqual(['Active', 3, 3]);
  });

  it("a deactivated tenant's folders leave every member, and come back when it is activated", async () => {
    const members = await webMembers();
    expect((await platform.api('PUT', '/tenants/deactivate/globex.org')).body.warnings).toEqual([]);
    await until('globex folders gone', async () => members.every((m) => !existsSync(tenantFile(m, 'globex.org', 'index.html'))), 30_000);
    for (const m of members) expect(existsSync(tenantFile(m, 'acme.com', 'index.html'))).toBe(true);
    await platform.api('PUT', '/tenants/activate/globex.org');
    await until('globex folders back', async () => members.every((m) => existsSync(tenantFile(m, 'globex.org', 'index.html'))), 30_000);
  });

  it("keeps a tenant's own metadata properties on the application it signed up to, in its members' /tenants/<id>/env, seen by that tenant alone", async () => {
    const added = await as('acme.com', 'POST', '/metadata/applications/portal/properties', { key: 'theme', values: ['dark', 'wide'] });
    expect([added.status, added.body]).toEqual([201, { key: 'theme', values: ['dark', 'wide'] }]);
    expect((await as('acme.com', 'GET', '/metadata/applications/portal/properties')).body).toEqual([{ key: 'theme', values: ['dark', 'wide'] }]);
    expect((await as('globex.org', 'GET', '/metadata/applications/portal/properties')).body).toEqual([]); // its own: none
    expect((await as('initech.com', 'GET', '/metadata/applications/portal/properties')).status).toBe(404); // not signed up
    expect((await as('acme.com', 'POST', '/metadata/applications/portal/clusters/portal.web/properties', { key: 'theme', values: ['x'] })).status).toBe(404); // a tenant has no cluster of a shared application
    expect((await platform.api('GET', '/metadata/applications/portal/properties')).body).toEqual([]); // the application's own are apart
    const [web] = await webMembers();
    const treeOf = async () => (await platform.api('GET', `/metadata/members/${web.memberId}`)).body.tree as Record<string, string>;
    await until("acme's theme in the web tree", async () => (await treeOf())[`/tenants/${ids['acme.com']}/env/theme`] === 'dark,wide');
    expect(Object.keys(await treeOf()).filter((k) => k.includes('/env/') && k.startsWith('/tenants/') && !k.startsWith(`/tenants/${ids['acme.com']}/`))).toEqual([]);
    expect((await as('acme.com', 'DELETE', '/metadata/applications/portal/properties/theme/value/wide')).status).toBe(200);
    expect((await as('acme.com', 'GET', '/metadata/applications/portal/properties')).body).toEqual([{ key: 'theme', values: ['dark'] }]);
    expect((await as('acme.com', 'DELETE', '/metadata/applications/portal/properties')).status).toBe(200);
    await until("acme's theme gone from the web tree", async () => (await treeOf())[`/tenants/${ids['acme.com']}/env/theme`] === undefined);
    expect((await as('acme.com', 'POST', '/metadata/applications/portal/properties', { key: 'kept', values: ['until the sign-up goes'] })).status).toBe(201);
  });

  it("maps a tenant's domains into every cluster's tree, a domain being one tenant's; refusals change nothing", async () => {
    const map = (who: string, body: unknown, query = '') => (who === 'admin' ? platform.api('POST', `/applications/portal/domainMappings${query}`, { body }) : as(who, 'POST', '/applications/portal/domainMappings', body));
    const added = await map('acme.com', { domainMappings: [{ cartridgeAlias: 'web', domainName: 'WWW.Acme.COM', contextPath: '/shop/' }] });
    expect([added.status, added.body.message]).toEqual([201, 'Domain mappings added successfully: [domain-mappings] [www.acme.com]']);
    expect(added.body.domainMappings).toEqual([expect.objectContaining({ domainName: 'www.acme.com', cartridgeAlias: 'web', clusterId: 'portal.web', contextPath: '/shop', tenantDomain: 'acme.com' })]);
    const taken = await map('globex.org', { domainMappings: [{ cartridgeAlias: 'web', domainName: 'globex.org' }, { cartridgeAlias: 'web', domainName: 'www.acme.com' }] });
    expect([taken.status, taken.body.errors]).toEqual([409, [{ path: '/domainMappings/1/domainName', message: 'is mapped already' }]]);
    expect((await as('globex.org', 'GET', '/applications/portal/domainMappings')).body).toEqual([]); // all or none: globex.org was not kept either
    expect((await map('globex.org', { domainMappings: [{ cartridgeAlias: 'nope', domainName: 'globex.org' }] })).body.errors).toEqual([expect.objectContaining({ path: '/domainMappings/0/cartridgeAlias', allowed: ['db', 'web'] })]);
    expect((await map('initech.com', { domainMappings: [{ cartridgeAlias: 'web', domainName: 'initech.com' }] })).status).toBe(409); // not signed up
    expect((await map('admin', { domainMappings: [{ cartridgeAlias: 'web', domainName: 'globex.org' }] })).body.errors).toEqual([{ path: '?tenantDomain', message: 'is required for a platform user' }]);
    expect((await map('admin', { domainMappings: [{ cartridgeAlias: 'db', domainName: 'globex.org' }] }, '?tenantDomain=globex.org')).status).toBe(201);
    // Every cluster's tree (the single-tenant one too: a load balancer routes by them) names the active tenants' domains.
    const db = (await platform.runtime('portal')).clusters.find((c) => c.alias === 'db')!.members[0];
    await until('the mappings reach the trees', async () => {
      const tree = (await platform.api('GET', `/metadata/members/${db.memberId}`)).body.tree as Record<string, string>;
      return tree['/domains/www.acme.com/context_path'] === '/shop' && tree['/domains/www.acme.com/tenant_id'] === String(ids['acme.com']) && tree['/domains/globex.org/alias'] === 'db';
    });
    expect((await platform.api('GET', '/applications/portal/domainMappings')).body.map((m: { domainName: string }) => m.domainName)).toEqual(['globex.org', 'www.acme.com']);
    expect((await as('globex.org', 'DELETE', '/applications/portal/domainMappings/www.acme.com')).status).toBe(404); // not its own
    expect((await as('globex.org', 'DELETE', '/applications/portal/domainMappings/globex.org')).body.message).toBe('Domain mapping deleted successfully: [domain-mappings] globex.org');
  });

  it("imports a Stratos folder's application-signup.json and domain-mappings.json for a deployed application, as the tenant given", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratos-import-'));
    const artifacts = join(dir, 'applications', 'portal', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'application.json'), JSON.stringify((await platform.api('GET', '/applications/portal')).body));
    writeFileSync(join(artifacts, 'application-signup.json'), JSON.stringify({ artifactRepositories: [{ alias: 'web', privateRepo: false, repoUrl: globexRepo, repoUsername: '', repoPassword: '' }] }));
    writeFileSync(join(artifacts, 'domain-mappings.json'), JSON.stringify({ domainMappings: [{ cartridgeAlias: 'web', domainName: 'initech.com', contextPath: '/' }] }));
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(platform.home, 'no-cli.json') };
    try {
      const withoutTenant = JSON.parse((await runCli(['import', dir, '--iaas', 'mock', '--json'], { env })).stdout) as { items: { file: string; outcome: string; detail: string }[] };
      expect(withoutTenant.items.filter((i) => i.file.endsWith('signup.json') || i.file.endsWith('mappings.json')).map((i) => [i.outcome, i.detail])).toEqual([
        ['skipped', "a tenant's: give --tenant DOMAIN (or import as the tenant's admin)"],
        ['skipped', "a tenant's: give --tenant DOMAIN (or import as the tenant's admin)"],
      ]);
      const imported = await runCli(['import', dir, '--iaas', 'mock', '--tenant', 'initech.com', '--json'], { env });
      expect((JSON.parse(imported.stdout) as { items: { file: string; outcome: string; id: string }[] }).items.map((i) => [i.file, i.outcome, i.id])).toEqual([
        ['applications/portal/artifacts/application.json', 'skipped', 'portal'],
        ['applications/portal/artifacts/application-signup.json', 'created', 'portal'],
        ['applications/portal/artifacts/domain-mappings.json', 'created', 'portal'],
      ]);
      expect((await platform.api('GET', '/applications/portal/signup/initech.com')).status).toBe(200);
      expect((await platform.api('GET', '/applications/portal/domainMappings?tenantDomain=initech.com')).body.map((m: { domainName: string }) => m.domainName)).toEqual(['initech.com']);
      expect((await platform.api('DELETE', '/applications/portal/signup/initech.com')).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removing a sign-up removes the tenant's folder and artifacts from every member", async () => {
    const removed = await as('acme.com', 'DELETE', '/applications/portal/signup');
    expect([removed.status, removed.body.message]).toEqual([200, 'Application sign up removed successfully: [application] portal']);
    const members = await webMembers();
    await until('acme folders gone', async () => members.every((m) => !existsSync(join(platform.home, 'members', m.memberId, 'root', 'srv/www/tenants', String(ids['acme.com'])))), 30_000);
    for (const m of members) expect(existsSync(tenantFile(m, 'globex.org', 'index.html'))).toBe(true);
    expect((await as('acme.com', 'GET', '/applications/portal/signup')).status).toBe(404);
    expect((await platform.api('GET', '/applications/portal/domainMappings')).body).toEqual([]); // its mappings went with it
    // And its properties: the rows go, not only their keys from the trees.
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      expect((await client.query(`SELECT key FROM metadata_properties WHERE cluster_id = $1`, [`tenant:${ids['acme.com']}`])).rows).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('keeps the sign-ups of an undeployed application, which cannot be removed while it has any', async () => {
    await platform.post('/applications/portal/undeploy', undefined, 202);
    await until('portal undeployed', async () => (await platform.api('GET', '/applications/portal/runtime')).status === 404, 60_000);
    expect((await platform.api('GET', '/applications/portal/signups')).body.map((s: { tenantDomain: string }) => s.tenantDomain)).toEqual(['globex.org']);
    const refused = await platform.api('DELETE', '/applications/portal');
    expect([refused.status, refused.body.message]).toEqual([409, 'application "portal" has 1 tenant sign-up(s) (globex.org); remove them first (stratos app unsignup portal --tenant DOMAIN)']);
    expect((await platform.api('GET', '/applications/portal')).status).toBe(200);
    expect((await platform.api('DELETE', '/applications/portal/signup/globex.org')).status).toBe(200);
    expect((await platform.api('DELETE', '/applications/portal')).status).toBe(200);
  });
});
