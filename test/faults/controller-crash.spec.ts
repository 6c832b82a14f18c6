/**
 * kill -9 of the cloud controller (a process of its own, as in production) at a random point of
 * a 20-member deploy, ten times: the next controller finishes the deploy with no duplicate, no
 * orphan and nothing lost — the driver's instances, the database's members and the runtime view
 * agree — and the topology log has no gap. Then the undeploy leaves nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import type { ApplicationRuntime } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { sleep, startTestPlatform, until, type TestPlatform } from '../support/platform';
import { liveMemberIds } from '../support/processes';
import { gapFree, topologyRevisions } from '../support/databases';

const MEMBERS = 20;
const KILLS = Number(process.env.CRASH_RUNS ?? 10);
const SEED = Number(process.env.CRASH_SEED ?? 20261201);

describe('controller crash mid-deploy', () => {
  let platform: TestPlatform;
  let db: pg.Client;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', controllerProcess: true, memberStartTimeoutMs: 60_000 });
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }, { id: 'p-2' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }, { id: 'p-2', partitionMax: 10 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'crashy', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'crash', components: { cartridges: [aSubscription('crashy', 'crash-web', { cartridgeMin: MEMBERS, cartridgeMax: MEMBERS })] } }));
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  });

  it(`finishes the deploy after kill -9 at a random point, ${KILLS} times, with nothing duplicated, orphaned or lost`, async () => {
    const killAfterMs = fc.sample(fc.integer({ min: 0, max: 2500 }), { seed: SEED, numRuns: KILLS });
    const report: string[] = [];
    for (const [run, delay] of killAfterMs.entries()) {
      const started = Date.now();
      await platform.post('/applications/crash/deploy/ap-1', undefined, 202);
      await sleep(delay); // the fault's moment, not a wait for an outcome
      const { rows: before } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM members WHERE application_id = 'crash'`);
      await platform.killController();
      await platform.startController();
      const runtime = await until(
        `run ${run}: crash Active with ${MEMBERS} members after the restart`,
        async () => {
          const response = await platform.api<ApplicationRuntime>('GET', '/applications/crash/runtime');
          const active = response.status === 200 ? response.body.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active') : [];
          return response.status === 200 && response.body.status === 'Active' && active.length === MEMBERS ? response.body : undefined;
        },
        120_000,
      );
      const viewed = runtime.clusters.flatMap((c) => c.members);
      // The database's live members, the runtime view, and the driver's processes are the same set.
      const { rows } = await db.query<{ member_id: string; status: string }>(`SELECT member_id, status FROM members WHERE application_id = 'crash' AND status NOT IN ('Terminated', 'Lost')`);
      const stored = new Set(rows.map((r) => r.member_id));
      expect(viewed.map((m) => m.memberId).sort()).toEqual([...stored].sort());
      await until(`run ${run}: no process but the ${MEMBERS} members'`, async () => {
        const live = liveMemberIds('crash-web-');
        return live.size === stored.size && [...live].every((id) => stored.has(id));
      });
      expect(stored.size).toBe(MEMBERS);
      // A few passes more (the fence): nothing else starts, and no folder of a launch the crash interrupted stays.
      await platform.reconcilePasses(3);
      expect(readdirSync(join(platform.home, 'members')).sort()).toEqual([...stored].sort());
      report.push(`run ${run}: killed ${delay} ms after the deploy with ${before[0].n} member record(s); Active with ${MEMBERS} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

      await platform.post('/applications/crash/undeploy', undefined, 202);
      await until(`run ${run}: crash undeployed`, async () => (await platform.api('GET', '/applications/crash/runtime')).status === 404, 60_000);
      await until(`run ${run}: no member process left`, async () => liveMemberIds('crash-web-').size === 0, 30_000);
      expect(readdirSync(join(platform.home, 'members'))).toEqual([]);
    }
    const revisions = await topologyRevisions(platform.databaseUrl);
    expect(revisions).toEqual(gapFree(revisions));
    process.stdout.write(`controller kill -9 mid-deploy (seed ${SEED}): ${KILLS} of ${KILLS} converged, ${revisions.length} topology events without a gap\n  ${report.join('\n  ')}\n`);
  }, 30 * 60_000);
});
