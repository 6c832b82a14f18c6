/**
 * Controllers on one database: one leads (a PostgreSQL session lock), another stands by and
 * serves nothing until the leader goes. kill -9 of the leader in the middle of a deploy, ten
 * times over: the standby leads within 5 s, the deploy finishes with the members it asked for,
 * no member twice (in the database, the topology or as a process) and nothing orphaned; the
 * topology's revisions stay gap-free. Local members: both controllers share the host and its
 * STRATOS_HOME, as controllers of local members must — on Mosquitto, since on aedes (no shared
 * subscriptions, and it lives in `npm start`'s process) a second controller of one host is
 * refused (shared-requests.spec.ts). A request sent while none leads is
 * answered by the next leader; a controller with another STRATOS_HOME (another host's) takes the
 * platform id the database holds. A .load suite: its takeover times are
 * measured, so it runs alone (another suite on the same cores made them 2–4.5 s, not 0.1–0.7).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ApplicationRuntime, MemberView } from '@stratos/contracts';
import { isAlive } from '@stratos/runtime';
import { availableBrokers } from '../support/brokers';
import { gapFree, topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const ROUNDS = Number(process.env.FAILOVER_ROUNDS ?? 10);
const MEMBERS = 4;

// Skipped, saying why, where Mosquitto is absent (a failure in CI: availableBrokers).
const onMosquitto = availableBrokers().includes('mosquitto') ? describe : describe.skip;

onMosquitto('controllers sharing one database: one leads, a standby takes over', () => {
  let platform: TestPlatform;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const members = (rt: ApplicationRuntime): MemberView[] => rt.clusters.flatMap((c) => c.members);
  /** The local driver's own record of the members it runs: a folder each. */
  const localInstances = () => {
    const dir = join(platform.home, 'members');
    return (existsSync(dir) ? readdirSync(dir) : []).map((member) => ({ member }));
  };
  const query = async <T extends pg.QueryResultRow>(sql: string) => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  const leadership = async () => (await query<{ term: string; leader: string }>('SELECT term, leader FROM controller_leadership'))[0];
  /** Controllers asking for the lead, or holding it: each keeps a session of its own for it. */
  const leadershipSessions = async () => (await query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'stratos-leadership %'"))[0].n;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'mosquitto', controllerProcess: true });
    await post('/cartridges', aCartridge({ type: 'fo', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'fo-image' }] }));
    await post('/networkPartitions', aNetworkPartition());
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }, { id: 'p-2', partitionMax: 10 }] }] }));
    await post('/applicationPolicies', anApplicationPolicy());
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it("a controller with a STRATOS_HOME of its own (another host's) needs the platform's secret key, and takes the platform's id from the database", async () => {
    const platformId = (await readFile(join(platform.home, 'platform-id'), 'utf8')).trim();
    expect((await query<{ platform_id: string }>('SELECT platform_id FROM platform_identity'))[0].platform_id).toBe(platformId);
    const home = await mkdtemp(join(tmpdir(), 'stratos-other-host-'));
    // With a key of its own (made in its home) it could open none of the secrets the others sealed: refused.
    const keyless = await platform.startStandbyController({ home });
    await until('the controller with another key refuses to start', async () => keyless.exitCode() !== null, 30_000);
    expect(keyless.exitCode()).toBe(1);
    expect(keyless.output()).toContain(`cloud-controller: cannot start: STRATOS_HOME: this controller's secret key (${join(home, 'secret.key')}) is not the platform's`);
    await rm(join(home, 'secret.key'));
    await writeFile(join(home, 'platform-id'), 'an-id-of-its-own');
    // Given the platform's key as a file (a Swarm secret's form), it stands by.
    // (At info: its "standing by" and "platform id … replaces" lines are what this test reads.)
    const other = await platform.startStandbyController({ home, env: { STRATOS_SECRET_KEY_FILE: join(platform.home, 'secret.key'), LOG_LEVEL: 'info' } });
    try {
      await until("the other host's controller stands by", async () => other.output().includes('standing by'), 30_000);
      expect((await readFile(join(home, 'platform-id'), 'utf8')).trim()).toBe(platformId);
      expect(other.output()).toContain(`platform id ${platformId} (the database's) replaces an-id-of-its-own`);
    } finally {
      await other.stop('SIGKILL');
      await rm(home, { recursive: true, force: true });
    }
    await until('only the leader asks for the lead', async () => (await leadershipSessions()) === 1, 30_000);
  }, 60_000);

  it('a second controller stands by while the first leads: the lead and its term stay the first one\'s', async () => {
    const before = await leadership();
    await platform.startStandbyController();
    await until('the standby asks for the lead', async () => (await leadershipSessions()) === 2, 30_000);
    // Requests are served (by either: the broker shares them), passes run, and the term is still the leader's.
    await post('/cartridges', aCartridge({ type: 'fo-probe', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'fo-image' }] }));
    await platform.reconcilePasses(2);
    expect(await leadership()).toEqual(before);
    expect(await leadershipSessions()).toBe(2);
  }, 60_000);

  it('a request sent while no controller leads waits in the broker and is carried out by the next leader', async () => {
    // The previous test's standby takes over (a second one could win the lock instead of it).
    if ((await leadershipSessions()) < 2) await platform.startStandbyController();
    await until('a standby asks for the lead', async () => (await leadershipSessions()) === 2, 30_000);
    const { term } = await leadership();
    let sent: Promise<{ status: number }> | undefined;
    let sentAt = 0;
    const killedAt = Date.now();
    const ms = await platform.failover(() => {
      sentAt = Date.now();
      sent = platform.api('POST', '/cartridges', { body: aCartridge({ type: 'fo-gap', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'fo-image' }] }) });
    });
    expect(sentAt).toBeLessThan(killedAt + ms); // before the new leader served
    expect(Number((await leadership()).term)).toBe(Number(term) + 1);
    expect((await sent!).status).toBe(201);
    expect((await platform.api('GET', '/cartridges/fo-gap')).status).toBe(200);
  }, 60_000);

  it(`kill -9 of the leader in the middle of a deploy, ${ROUNDS} times: the standby leads within 5 s and the deploy finishes, no member twice, nothing orphaned`, async () => {
    const takeovers: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const app = `fo${round}`;
      await platform.startStandbyController();
      await until('the new standby asks for the lead', async () => (await leadershipSessions()) === 2, 30_000);
      const { term } = await leadership();
      await post('/applications', anApplication({ applicationId: app, components: { cartridges: [aSubscription('fo', `${app}-c`, { cartridgeMin: MEMBERS, cartridgeMax: MEMBERS })] } }));
      const started = Date.now();
      await post(`/applications/${app}/deploy/ap-1`, undefined, 202);
      await until(`${app}: a first member made`, async () => members(await platform.runtime(app)).length > 0, 30_000);
      const ms = await platform.failover();
      takeovers.push(ms);
      expect(Number((await leadership()).term)).toBe(Number(term) + 1);

      const active = await until(`${app} Active after the failover`, async () => {
        const rt = await platform.runtime(app);
        return rt.status === 'Active' ? members(rt) : undefined;
      }, 60_000);
      expect(active.filter((m) => m.status === 'Active')).toHaveLength(MEMBERS);
      expect(new Set(active.map((m) => m.memberId)).size).toBe(active.length);
      // One live process per member, each recorded with its instance: none started twice, none left from before.
      let folders: string[] = [];
      let now: MemberView[] = [];
      await until(`${app}: one live process per member`, async () => {
        folders = localInstances().filter((i) => i.member.startsWith(`${app}-c-`)).map((i) => i.member).sort();
        now = members(await platform.runtime(app));
        return JSON.stringify(folders) === JSON.stringify(now.map((m) => m.memberId).sort()) && now.every((m) => m.status === 'Active' && m.instanceId !== null && isAlive(Number(m.instanceId)));
      }, 30_000).catch(async (error: Error) => {
        throw new Error(`${error.message}: members ${JSON.stringify(now.map((m) => [m.memberId, m.status, m.instanceId]))}, member folders ${JSON.stringify(folders)}\n${await platform.story(app)}`);
      });
      expect(now).toHaveLength(MEMBERS);
      if (process.env.FAILOVER_STORY) process.stdout.write(`${await platform.story(app)}\n`);
      process.stdout.write(`round ${round}: takeover ${ms} ms, Active ${((Date.now() - started) / 1000).toFixed(1)} s after the deploy\n`);

      await post(`/applications/${app}/undeploy`, undefined, 202);
      await until(`${app} gone`, async () => (await platform.api('GET', `/applications/${app}/runtime`)).status === 404, 60_000);
      await until(`${app}: no member process left`, async () => !localInstances().some((i) => i.member.startsWith(`${app}-c-`)), 30_000);
    }
    const sorted = [...takeovers].sort((a, b) => a - b);
    process.stdout.write(`controller failover (kill -9 of the leader mid-deploy) ×${ROUNDS}: p50 ${sorted[Math.floor(ROUNDS / 2)]} ms, max ${sorted[ROUNDS - 1]} ms (${takeovers.join(', ')})\n`);
    expect(sorted[ROUNDS - 1]).toBeLessThan(5000);
    const revisions = await topologyRevisions(platform.databaseUrl);
    expect(revisions).toEqual(gapFree(revisions));
  }, 600_000);
});
