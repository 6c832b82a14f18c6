/**
 * Artifacts from git: a subscription's `artifactRepository` (a private repository on a real git
 * server on loopback, git's own http-backend) is cloned into each member's APPLICATION_PATH
 * before it is Active; Stratos's git hook (POST /api/repo/notify), proven by the repository's
 * hook secret, makes every member pull and run its artifacts-updated extension. The repository
 * password is sealed at rest (AES-GCM, the key in STRATOS_HOME) and never shown or logged.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { packBundle, type BundleEntry, type MemberView } from '@stratos/contracts';
import { rowCounts } from '../support/databases';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const file = (path: string, text: string, mode = 0o644): BundleEntry => ({ path, kind: 'file', mode, content: Buffer.from(text) });
const PASSWORD = 'git-pa55word-not-for-logs';
const HOOK_SECRET = 'hook-secret-0123456789abcdef';

describe('artifacts from a git repository', () => {
  let platform: TestPlatform;
  let gitServer: GitServer;
  let repoUrl: string;
  const members = async () => (await platform.runtime('site')).clusters[0].members as MemberView[];
  const checkout = (m: MemberView, path: string) => join(platform.home, 'members', m.memberId, 'root', 'srv/site', path);
  /** A file of a checkout, or '' while a pull (git reset) has it replaced. */
  const readNow = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const notify = (body: unknown, headers: Record<string, string> = {}, query = '') =>
    platform.api('POST', `/repo/notify${query}`, { raw: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, token: null });

  beforeAll(async () => {
    gitServer = await startGitServer({ username: 'deployer', password: PASSWORD });
    repoUrl = gitServer.createRepository('site.git', { 'index.html': 'version 1\n' });
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 4 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'site', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property: [{ name: 'payload_parameter.APPLICATION_PATH', value: '/srv/site' }, { name: 'payload_parameter.ARTIFACT_PULL_INTERVAL_S', value: '0' }] }));
    const hook = '#!/bin/sh\necho "$STRATOS_ARTIFACT_COMMIT $(cat "$APPLICATION_PATH/index.html")" >> /srv/artifacts-updated.log\n';
    const bundle = packBundle([file('extensions/artifacts-updated.sh', hook, 0o755)]);
    expect((await platform.api('PUT', '/cartridges/site/bundle', { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    const repository = { privateRepo: true, repoUrl, repoUsername: 'deployer', repoPassword: PASSWORD, hookSecret: HOOK_SECRET };
    await platform.post('/applications', anApplication({ applicationId: 'site', components: { cartridges: [aSubscription('site', 'site-1', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'site-1', autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-1', artifactRepository: repository } })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
    await gitServer?.close();
  });

  it('seals the repository password and the hook secret at rest, and never shows them', async () => {
    const shown = (await platform.api('GET', '/applications/site')).body;
    expect(shown.components.cartridges[0].subscribableInfo.artifactRepository).toMatchObject({ repoUrl, repoUsername: 'deployer', repoPassword: '******', hookSecret: '******' });
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const stored = JSON.stringify((await client.query(`SELECT definition FROM definitions WHERE kind = 'application' AND id = 'site'`)).rows[0].definition);
      expect(stored).not.toContain(PASSWORD);
      expect(stored).not.toContain(HOOK_SECRET);
      expect(stored).toMatch(/"repoPassword":"sealed:v1:[A-Za-z0-9+/=]+"/);
    } finally {
      await client.end();
    }
    expect(readFileSync(join(platform.home, 'secret.key'), 'utf8')).not.toContain(PASSWORD);
  });

  it('clones into APPLICATION_PATH before the member is Active, and pulls on a git hook proven by the secret', async () => {
    const watch = await platform.watchEvents();
    await platform.post('/applications/site/deploy/ap-1', undefined, 202);
    await until('site Active', async () => (await platform.runtime('site')).status === 'Active', 60_000);
    const two = await members();
    expect(two).toHaveLength(2);
    for (const m of two) {
      expect(readFileSync(checkout(m, 'index.html'), 'utf8')).toBe('version 1\n');
      expect(readFileSync(join(platform.home, 'members', m.memberId, 'root', 'srv/artifacts-updated.log'), 'utf8')).toMatch(/^[0-9a-f]{40} version 1\n$/);
    }

    const commit = gitServer.commit('site.git', { 'index.html': 'version 2\n' }, 'second');
    // Refused hooks change nothing: no secret, a wrong one, a bad signature, a non-admin without one, a body without a repository.
    const before = await rowCounts(platform.databaseUrl);
    const body = { repository: { url: repoUrl } };
    expect((await notify(body)).status).toBe(401);
    expect((await notify(body, {}, '?secret=wrong-secret-wrong-secret')).status).toBe(401);
    expect((await notify(body, { 'x-hub-signature-256': 'sha256=00' })).status).toBe(401);
    const bad = await notify({ repo: repoUrl }, {}, `?secret=${HOOK_SECRET}`);
    expect([bad.status, bad.body.errors]).toEqual([400, [{ path: '/repository/url', message: 'is required (a string)' }]]);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    const revision = async () => (await platform.api('GET', `/metadata/members/${two[0].memberId}`)).body.tree['/artifacts/revision'];
    expect(await revision()).toBe('0'); // no refused hook moved it
    for (const m of two) expect(readFileSync(checkout(m, 'index.html'), 'utf8')).toBe('version 1\n');

    // GitHub's form: an HMAC of the body with the secret; the URL spelled with a trailing slash.
    const github = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: `${repoUrl.replace(/\.git$/, '')}/` } });
    const signed = await platform.api('POST', '/repo/notify', { raw: github, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', HOOK_SECRET).update(github).digest('hex')}` }, token: null });
    expect([signed.status, signed.body]).toEqual([200, { repoUrl: `${repoUrl.replace(/\.git$/, '')}/`, clusters: ['site.site-1'], signUps: [] }]);
    expect(await revision()).toBe('1');
    for (const m of two) {
      await until(`${m.memberId} pulled version 2`, async () => readNow(checkout(m, 'index.html')) === 'version 2\n', 30_000);
      await until(`${m.memberId} ran artifacts-updated`, async () => readNow(join(platform.home, 'members', m.memberId, 'root', 'srv/artifacts-updated.log')).endsWith(`${commit} version 2\n`), 10_000);
    }
    // GitLab's form (a token header), and an admin's bearer token, work too.
    gitServer.commit('site.git', { 'index.html': 'version 3\n' }, 'third');
    expect((await notify({ repository: { git_http_url: repoUrl } }, { 'x-gitlab-token': HOOK_SECRET })).status).toBe(200);
    for (const m of two) await until(`${m.memberId} pulled version 3`, async () => readNow(checkout(m, 'index.html')) === 'version 3\n', 30_000);
    const byAdmin = await platform.api('POST', '/repo/notify', { body: { repository: { url: 'http://127.0.0.1:1/nobody.git' } } });
    expect([byAdmin.status, byAdmin.body.message]).toEqual([404, 'no deployed application clones http://127.0.0.1:1/nobody.git']);

    // The password was given to git only: not in an event, not in a member's log, not in its checkout's config.
    const pulls = () => watch.events.filter((e) => e.type === 'MemberNotice' && /^artifacts: .* updated to [0-9a-f]{12} \(git hook\)$/.test(e.payload.message));
    await until('a notice for each pull (two hooks, two members)', async () => pulls().length >= 4, 10_000);
    expect(pulls()).toHaveLength(4);
    await watch.close();
    expect(JSON.stringify(watch.events)).not.toContain(PASSWORD);
    for (const m of two) {
      const log = readFileSync(join(platform.home, 'members', m.memberId, 'agent.log'), 'utf8');
      expect(log).toContain('artifacts: ');
      expect(log).not.toContain(PASSWORD);
      expect(existsSync(join(platform.home, 'members', m.memberId, 'root', 'srv/site/.git'))).toBe(true);
      expect(readFileSync(join(platform.home, 'members', m.memberId, 'root', 'srv/site/.git/config'), 'utf8')).not.toContain(PASSWORD);
    }
  }, 120_000);

  it('pulls on its own every ARTIFACT_PULL_INTERVAL_S, without a hook', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'polled', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property: [{ name: 'payload_parameter.APPLICATION_PATH', value: '/srv/site' }, { name: 'payload_parameter.ARTIFACT_PULL_INTERVAL_S', value: '1' }] }));
    const repository = { privateRepo: true, repoUrl, repoUsername: 'deployer', repoPassword: PASSWORD };
    await platform.post('/applications', anApplication({ applicationId: 'polled', components: { cartridges: [aSubscription('polled', 'polled-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'polled-1', autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-1', artifactRepository: repository } })] } }));
    await platform.post('/applications/polled/deploy/ap-1', undefined, 202);
    await until('polled Active', async () => (await platform.runtime('polled')).status === 'Active', 60_000);
    const [member] = (await platform.runtime('polled')).clusters[0].members as MemberView[];
    const version = readFileSync(checkout(member, 'index.html'), 'utf8');
    gitServer.commit('site.git', { 'index.html': `${version.trim()}+polled\n` }, 'polled');
    await until('the member pulled by itself', async () => readNow(checkout(member, 'index.html')) === `${version.trim()}+polled\n`, 15_000);
    await platform.post('/applications/polled/undeploy', undefined, 202);
    await until('polled gone', async () => (await platform.api('GET', '/applications/polled/runtime')).status === 404);
  });

  it('fails a member whose repository refuses its credentials, with git\'s reason and without the password', async () => {
    const wrong = { privateRepo: true, repoUrl, repoUsername: 'deployer', repoPassword: 'not-the-password' };
    await platform.post('/applications', anApplication({ applicationId: 'locked', components: { cartridges: [aSubscription('site', 'locked-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'locked-1', autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-1', artifactRepository: wrong } })] } }));
    const watch = await platform.watchEvents();
    try {
      await platform.post('/applications/locked/deploy/ap-1', undefined, 202);
      const failed = await until('the member fails on its artifacts', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.clusterId === 'locked.locked-1' && /artifacts: git clone/.test(e.payload.reason ?? '')), 60_000);
      expect(failed.payload.reason).toMatch(/Authentication failed|could not read Username|401/);
      expect(JSON.stringify(watch.events)).not.toContain('not-the-password');
    } finally {
      await watch.close();
    }
    await platform.post('/applications/locked/undeploy', undefined, 202);
  }, 90_000);
});
