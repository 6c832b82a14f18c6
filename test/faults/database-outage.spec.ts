/**
 * The embedded PostgreSQL killed with -9 under a running platform: the supervisor restarts it
 * (same port, same data), the API answers 503 naming the database meanwhile — never 500 — and
 * both processes reconnect by themselves, with nothing lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle, type PostgresSupervisionEvent } from '@stratos/runtime';
import type { ApplicationRuntime } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { liveMemberIds } from '../support/processes';
import { gapFree, topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe('database outage', () => {
  let home: string;
  let postgres: EmbeddedPostgresHandle;
  let platform: TestPlatform;
  const events: PostgresSupervisionEvent[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'stratos-pg-outage-'));
    // A first restart 3 s after the death: the window in which the API must answer 503.
    postgres = await startEmbeddedPostgres({ home, supervise: { onEvent: (event) => events.push(event), delaysMs: [3000, 500] } });
    platform = await startTestPlatform({ broker: 'aedes', databaseUrl: postgres.url });
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await postgres?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('answers 503 while PostgreSQL is down, and works again once the supervisor restarted it', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'before-outage' }));
    const pid = postgres.pid()!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await until('the supervisor sees it die', async () => events.some((e) => e.type === 'exited'));
    expect(events[0]).toMatchObject({ type: 'exited', reason: 'SIGKILL', restartInMs: 3000 });

    // Down: a read through the controller, a write, and the manager's own token check all answer 503.
    const read = await platform.api('GET', '/cartridges');
    expect(read.status).toBe(503);
    expect(read.body.message).toMatch(/the database \(PostgreSQL\) is unavailable/);
    expect(read.headers.get('retry-after')).toBe('5');
    const write = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'during-outage' }) });
    expect(write.status).toBe(503);
    const health = await platform.api('GET', '/health', { token: null });
    expect(health.body).toMatchObject({ status: 'degraded', database: 'down' });
    const unknownToken = await platform.api('GET', '/cartridges', { token: 'not-cached-token' });
    expect(unknownToken.status).toBe(503);

    await until('the supervisor restarted it', async () => events.some((e) => e.type === 'restarted'), 30_000);
    expect(postgres.pid()).not.toBe(pid);
    await until('the API answers again', async () => (await platform.api('GET', '/cartridges')).status === 200, 30_000);
    expect((await platform.api('GET', '/health', { token: null })).body).toMatchObject({ status: 'up', database: 'up' });
    await platform.post('/cartridges', aCartridge({ type: 'after-outage' }));
    const types = ((await platform.api('GET', '/cartridges')).body as { type: string }[]).map((c) => c.type);
    expect(types).toEqual(expect.arrayContaining(['before-outage', 'after-outage']));
    expect(types).not.toContain('during-outage');

    await expectGapFreeLog();
  });

  it('finishes a deploy that PostgreSQL died in the middle of, with nothing duplicated or orphaned', async () => {
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'steadfast', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'midway', components: { cartridges: [aSubscription('steadfast', 'midway-web', { cartridgeMin: 6, cartridgeMax: 6 })] } }));
    const exits = events.filter((e) => e.type === 'exited').length;
    await platform.post('/applications/midway/deploy/ap-1', undefined, 202);
    await until('some members launched', async () => liveMemberIds('midway-web-').size >= 2, 30_000);
    process.kill(postgres.pid()!, 'SIGKILL');
    await until('the supervisor sees it die again', async () => events.filter((e) => e.type === 'exited').length > exits);
    await until('it is back', async () => events.filter((e) => e.type === 'restarted').length > exits, 30_000);
    const runtime = await until(
      'midway Active with 6 members',
      async () => {
        const response = await platform.api<ApplicationRuntime>('GET', '/applications/midway/runtime');
        return response.status === 200 && response.body.status === 'Active' && response.body.clusters[0].members.filter((m) => m.status === 'Active').length === 6 ? response.body : undefined;
      },
      60_000,
    );
    await platform.reconcilePasses(3); // the fence: nothing more starts, no orphan stays
    const viewed = runtime.clusters[0].members.map((m) => m.memberId).sort();
    expect([...liveMemberIds('midway-web-')].sort()).toEqual(viewed);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ member_id: string }>(`SELECT member_id FROM members WHERE application_id = 'midway' AND status NOT IN ('Terminated', 'Lost')`);
      expect(rows.map((r) => r.member_id).sort()).toEqual(viewed);
    } finally {
      await client.end();
    }
    await expectGapFreeLog();
    await platform.post('/applications/midway/undeploy', undefined, 202);
    await until('midway gone', async () => (await platform.api('GET', '/applications/midway/runtime')).status === 404, 60_000);
    await until('no member process left', async () => liveMemberIds('midway-web-').size === 0);
  });

  const expectGapFreeLog = async () => {
    // The topology log has no gap across the outage.
    const revisions = await topologyRevisions(postgres.url);
    expect(revisions).toEqual(gapFree(revisions));
  };
});
