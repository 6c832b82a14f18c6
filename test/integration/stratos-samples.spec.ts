/**
 * Real Stratos 4.1 cartridges (../shared/stratos-samples/cartridges/<iaas>/), one flavour at
 * a time: each is accepted with warnings for its string-encoded values and reads back equal
 * to what was sent, modulo coercion and redaction; no secret comes back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cartridgeSchema, isSecretName, redact, validateCartridge } from '@stratos/contracts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { runCli } from '../support/cli';
import { sharedFolder } from '../support/shared';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const samples = sharedFolder('stratos-samples');
const flavours = samples ? readdirSync(join(samples, 'cartridges')).sort() : [];

/** Every string value of the samples that is a secret by name, to look for where it must not be. */
function secretValues(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => secretValues(v, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.name === 'string' && isSecretName(record.name) && typeof record.value === 'string' && record.value) out.push(record.value);
    for (const [key, child] of Object.entries(record)) {
      if (typeof child === 'string' && child && isSecretName(key)) out.push(child);
      else secretValues(child, out);
    }
  }
  return out;
}

(samples ? describe : describe.skip)('Stratos 4.1 sample cartridges', () => {
  let platform: TestPlatform;
  const totals: string[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
  });
  afterAll(async () => {
    await platform?.stop();
    if (totals.length) process.stdout.write(`Stratos sample cartridges accepted and read back equal: ${totals.join(', ')}\n`);
  });

  it.each(flavours)('%s: every valid cartridge is accepted and reads back equal modulo coercion', async (flavour) => {
    const folder = join(samples!, 'cartridges', flavour);
    const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    const watch = await platform.watchEvents();
    const seen: unknown[] = [];
    const secrets: string[] = [];
    const created: string[] = [];
    let duplicates = 0;
    for (const name of files) {
      const sent = JSON.parse(readFileSync(join(folder, name), 'utf8'));
      secrets.push(...secretValues(sent));
      const expected = validateCartridge(sent);
      expect(expected.errors).toEqual([]);
      const response = await platform.api('POST', '/cartridges', { body: sent });
      seen.push(response.body);
      if (created.includes(sent.type)) {
        // The same type twice in one flavour (kubernetes/php.json and php-secret.json): a real 409.
        expect(response.status).toBe(409);
        duplicates++;
        continue;
      }
      expect(response.status).toBe(201);
      created.push(sent.type);
      const coerced = expected.warnings.filter((w) => /^string ".*" read as/.test(w.message)).map((w) => w.path);
      expect(response.body.warnings.filter((w: { message: string }) => /^string ".*" read as/.test(w.message)).map((w: { path: string }) => w.path)).toEqual(coerced);
      const got = await platform.api('GET', `/cartridges/${sent.type}`);
      seen.push(got.body);
      const { status, ...definition } = got.body;
      expect(status.generation).toBe(1);
      expect(definition).toEqual(redact(cartridgeSchema, expected.value));
    }
    for (const type of created) expect((await platform.api('DELETE', `/cartridges/${type}`)).status).toBe(200);
    await watch.close();
    const everything = JSON.stringify([seen, watch.events]);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    totals.push(`${flavour} ${created.length}/${files.length - duplicates}${duplicates ? ` (+${duplicates} duplicate type refused with 409)` : ''}`);
  });
});

(samples ? describe : describe.skip)('stratos import of the Stratos 4.1 samples (mock flavour)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('creates everything valid in Stratos\'s order and refuses the broken samples with a path', async () => {
    const config = join(await mkdtemp(join(tmpdir(), 'stratos-import-')), 'cli.json');
    const result = await runCli(['import', samples!, '--iaas', 'mock', '--json'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: config }, timeoutMs: 60_000 });
    expect(result.code).toBe(1); // the broken samples are refused
    const report = JSON.parse(result.stdout) as { summary: Record<string, number>; items: { file: string; kind: string; id: string; outcome: string; detail: string }[] };
    const item = (file: string) => report.items.find((i) => i.file === file)!;
    expect(item('applications/simple/single-group-app/artifacts/application.json')).toMatchObject({ outcome: 'refused', detail: 'malformed JSON at line 63, column 17: Expected double-quoted property name' });
    expect(item('applications/nested/single-level-nested-groups-app/artifacts/deployment-policy.json').detail).toBe(
      '/networkPartition: "networkPartition" is a key of Stratos before 4.1; 4.1 reads "networkPartitions"; /networkPartition/0/partitions/0/max: "max" is a key of Stratos before 4.1; 4.1 reads "partitionMax"',
    );
    expect(item('application-policies/application-policy-3.json')).toMatchObject({ outcome: 'refused', detail: '/networkPartitions/4: no network partition "network-partition-5" exists' });
    const order = ['autoscaling policy', 'network partition', 'deployment policy', 'cartridge', 'cartridge group', 'application policy', 'application'];
    const kinds = report.items.map((i) => i.kind).filter((k) => order.includes(k));
    expect(kinds).toEqual([...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    const apps = report.items.filter((i) => i.kind === 'application');
    const created = apps.filter((i) => i.outcome === 'created');
    process.stdout.write(
      `Stratos sample import (mock): ${JSON.stringify(report.summary)}; applications created ${created.length}/${apps.length}: ${created.map((a) => a.id).join(', ')}; refused: ${apps
        .filter((a) => a.outcome === 'refused')
        .map((a) => `${a.file} (${a.detail})`)
        .join('; ')}\n`,
    );
    expect(created.length).toBeGreaterThanOrEqual(13);

    const everything = JSON.stringify(await Promise.all(['/applications', '/cartridges', '/deploymentPolicies'].map((p) => platform.api('GET', p))));
    expect(everything).not.toMatch(/"repoPassword":"(?!\*{6})[^"]+"/);

    const ec2 = JSON.parse(readFileSync(join(samples!, 'network-partitions', 'ec2', 'network-partition-2.json'), 'utf8'));
    const noProvider = await platform.api('POST', '/networkPartitions', { body: ec2 });
    expect(noProvider.status).toBe(400);
    expect(noProvider.body.errors).toEqual([{ path: '/provider', message: 'is required' }]);
  });
});

/** Every artifact repository the samples' applications name (GitHub's, mostly). */
function sampleRepositories(dir: string): string[] {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sampleRepositories(path).forEach((url) => found.add(url));
    else if (entry.name === 'application.json') for (const match of readFileSync(path, 'utf8').matchAll(/"repoUrl"\s*:\s*"([^"]+)"/g)) found.add(match[1]);
  }
  return [...found];
}

(samples ? describe : describe.skip)('Stratos 4.1 sample applications (mock flavour) deployed to real members', () => {
  let platform: TestPlatform;
  let mirror: GitServer;

  beforeAll(async () => {
    // This machine reaches no GitHub: the samples' repositories come from a mirror on loopback, as an
    // offline site would set it up (STRATOS_GIT_URL_REWRITES), each with a README the members clone.
    mirror = await startGitServer();
    const origins = new Set<string>();
    for (const url of sampleRepositories(join(samples!, 'applications'))) {
      const { origin, pathname } = new URL(url);
      origins.add(origin);
      mirror.createRepository(`${new URL(url).host.replace(':', '-')}${pathname}`, { 'README.md': `mirror of ${url}\n` });
    }
    const gitUrlRewrites = [...origins].map((origin) => `${origin}/=${mirror.url}/${new URL(origin).host.replace(':', '-')}/`).join(',');
    platform = await startTestPlatform({ broker: 'aedes', gitUrlRewrites });
    const config = join(await mkdtemp(join(tmpdir(), 'stratos-deploy-')), 'cli.json');
    const imported = await runCli(['import', samples!, '--iaas', 'mock', '--json'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: config }, timeoutMs: 60_000 });
    // An import that failed would leave nothing to deploy, and the test below nothing to fail on.
    expect(JSON.parse(imported.stdout).summary.created).toBeGreaterThanOrEqual(50);
  });
  afterAll(async () => {
    await platform?.stop();
    await mirror?.close();
  });

  it('deploys every imported application, each member in a partition its policies allow, and undeploys it leaving nothing', async () => {
    const applications = ((await platform.api('GET', '/applications')).body as { applicationId: string }[]).map((a) => a.applicationId);
    const policies = ((await platform.api('GET', '/applicationPolicies')).body as { id: string; networkPartitions: string[] }[]);
    const deploymentPolicies = new Map(((await platform.api('GET', '/deploymentPolicies')).body as { id: string; networkPartitions: { id: string; partitions: { id: string }[] }[] }[]).map((d) => [d.id, d]));
    const deployed: string[] = [];
    const refused: string[] = [];
    for (const id of applications) {
      // Stratos's scripts named one policy per sample; the first that fits does here.
      let accepted = false;
      let lastError = '';
      for (const policy of policies) {
        const response = await platform.api('POST', `/applications/${id}/deploy/${policy.id}`);
        if (response.status === 202) {
          accepted = true;
          const deadline = Date.now() + 45_000;
          let runtime = (await platform.api('GET', `/applications/${id}/runtime`)).body;
          while (runtime.status !== 'Active' && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
            runtime = (await platform.api('GET', `/applications/${id}/runtime`)).body;
          }
          // Not Active in time: the failure says why (its events, its members' logs), not only that.
          if (runtime.status !== 'Active') expect({ id, status: runtime.status, story: await platform.story(id) }).toEqual({ id, status: 'Active' });
          for (const cluster of runtime.clusters) {
            const allowed = deploymentPolicies.get(cluster.deploymentPolicy)!.networkPartitions.filter((np) => policy.networkPartitions.includes(np.id));
            for (const member of cluster.members) {
              const np = allowed.find((n) => n.id === member.networkPartitionId);
              expect({ member: member.memberId, partition: np?.partitions.some((p) => p.id === member.partitionId) }).toEqual({ member: member.memberId, partition: true });
            }
            expect(cluster.members.filter((m: { status: string }) => m.status === 'Active').length).toBeGreaterThanOrEqual(cluster.minMembers);
          }
          if (id === 'single-cartridge-app') {
            // Its subscription names https://github.com/lakwarus/single-cartridge.git: cloned (from the mirror) into /var/www.
            const [member] = runtime.clusters[0].members;
            expect(readFileSync(join(platform.home, 'members', member.memberId, 'root', 'var/www/README.md'), 'utf8')).toBe('mirror of https://github.com/lakwarus/single-cartridge.git\n');
          }
          const pids: number[] = runtime.clusters.flatMap((c: { members: { instanceId: string }[] }) => c.members.map((m) => Number(m.instanceId)));
          expect((await platform.api('POST', `/applications/${id}/undeploy`)).status).toBe(202);
          while ((await platform.api('GET', `/applications/${id}/runtime`)).status !== 404) await new Promise((r) => setTimeout(r, 100));
          for (const pid of pids) expect({ pid, alive: spawnSync('kill', ['-0', String(pid)]).status === 0 }).toEqual({ pid, alive: false });
          deployed.push(`${id} (${policy.id}, ${pids.length} members)`);
          break;
        }
        lastError = `${response.status} ${response.body.errors?.[0]?.path ?? ''}: ${response.body.errors?.[0]?.message ?? response.body.message}`;
      }
      if (!accepted) refused.push(`${id}: ${lastError}`);
    }
    process.stdout.write(`Stratos sample applications deployed to Active and undeployed: ${deployed.length}/${applications.length}: ${deployed.join(', ')}${refused.length ? `; refused: ${refused.join('; ')}` : ''}\n`);
    expect(refused).toEqual([]);
    expect(deployed.length).toBeGreaterThanOrEqual(14); // Stratos's 4.1 samples: 14 applications are valid and deployable
    expect(existsSync(join(platform.home, 'members')) ? readdirSync(join(platform.home, 'members')) : []).toEqual([]);
  }, 300_000); // 14 applications one after another, beside the other suites on 2 cores
});
