/**
 * `stratos app upgrade`, on real members (the local driver): a cartridge changed after its
 * application was deployed is rolled out by replacing the members one partition at a time — a
 * replacement first, an old member shut down once it is Active — so that the topology never shows
 * fewer Active members than the cluster's minimum; the new members run the new definition.
 * Upgrading what did not change does nothing; bad requests change nothing.
 */
import pg from 'pg';
import type { ApplicationRuntime, MemberView, OperationView, UpgradeAccepted } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { memberEnvFromProc } from '../support/processes';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

const rolling = (version: string) => aCartridge({ type: 'rolling', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property: [{ name: 'payload_parameter.RELEASE', value: version }] });

describe('rolling upgrade of a deployed application', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }, { id: 'p-2' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 2 }, { id: 'p-2', partitionMax: 2 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', rolling('1'));
    await platform.post('/applications', anApplication({ applicationId: 'shop', components: { cartridges: [aSubscription('rolling', 'web', { cartridgeMin: 4, cartridgeMax: 4 })] } }));
    await platform.post('/applications/shop/deploy/ap-1', undefined, 202);
    await until('shop Active', async () => (await platform.runtime('shop')).status === 'Active', 60_000);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const members = async (): Promise<MemberView[]> => (await platform.api<ApplicationRuntime>('GET', '/applications/shop/runtime')).body.clusters[0].members;

  it('refuses what is not an upgrade, naming the field, and changes nothing', async () => {
    const before = (await members()).map((m) => m.memberId).sort();
    for (const [body, pointer] of [
      [{ artifact: 'no-version' }, '/artifact'],
      [{ artifact: 42 }, '/artifact'],
      [{ artifact: 'web@1.0' }, '/artifact'], // no cartridge of shop runs artifact web
      [{ replicas: 3 }, '/replicas'],
      [[1], ''],
    ] as const) {
      const refused = await platform.api('POST', '/applications/shop/upgrade', { body });
      expect([JSON.stringify(body), refused.status, refused.body.errors?.[0]?.path]).toEqual([JSON.stringify(body), 400, pointer]);
    }
    expect((await platform.api('POST', '/applications/nowhere/upgrade', { body: {} })).status).toBe(404);
    // Nothing changed since the deploy: nothing to do, and the operation says so at once.
    const idle = await platform.api<UpgradeAccepted>('POST', '/applications/shop/upgrade', { body: {} });
    expect([idle.status, idle.body.clusters]).toEqual([202, []]);
    expect((await platform.api<OperationView>('GET', `/operations/${idle.body.operationId}`)).body).toMatchObject({ kind: 'upgrade', status: 'succeeded' });
    expect((await members()).map((m) => m.memberId).sort()).toEqual(before);
  });

  it('replaces every member with one of the new revision, one partition at a time, never fewer Active than min', async () => {
    const old = await members();
    expect(old).toHaveLength(4);
    expect(old.every((m) => memberEnvFromProc(m.memberId)?.RELEASE === '1')).toBe(true);
    const database = new pg.Client({ connectionString: platform.databaseUrl });
    await database.connect();
    try {
      const since = Number((await database.query('SELECT max(revision) AS r FROM topology_events')).rows[0].r);
      expect((await platform.api('PUT', '/cartridges/rolling', { body: rolling('2') })).status).toBe(200);
      const accepted = await platform.api<UpgradeAccepted>('POST', '/applications/shop/upgrade', { body: {} });
      expect(accepted.status).toBe(202);
      expect(accepted.body.clusters).toEqual([{ alias: 'web', clusterId: expect.any(String), from: 0, to: 1, changes: expect.arrayContaining(['/payload/RELEASE']) }]);
      const finished = await until('the upgrade finished', async () => {
        const operation = (await platform.api<OperationView>('GET', `/operations/${accepted.body.operationId}`)).body;
        return operation.status !== 'running' && operation;
      }, 120_000);
      expect(finished).toMatchObject({ kind: 'upgrade', status: 'succeeded', message: expect.stringMatching(/^upgraded in [\d.]+ s$/) });

      const now = await members();
      expect(now).toHaveLength(4);
      expect(now.filter((m) => old.some((o) => o.memberId === m.memberId))).toEqual([]);
      expect(now.every((m) => m.status === 'Active' && m.clusterRevision === 1)).toBe(true);
      expect(now.every((m) => memberEnvFromProc(m.memberId)?.RELEASE === '2')).toBe(true);
      expect(now.filter((m) => m.partitionId === 'p-1')).toHaveLength(2);

      // The topology, event by event: Active members never fewer than 4, old ones shut down partition by partition.
      const events = (await database.query(`SELECT type, payload FROM topology_events WHERE revision > $1 ORDER BY revision`, [since])).rows as { type: string; payload: { member?: MemberView; from?: string; reason?: string; operationId?: string } }[];
      let active = 4;
      let fewest = active;
      const retired: string[] = [];
      for (const { type, payload } of events) {
        if (type !== 'MemberStatusChanged' || !payload.member) continue;
        if (payload.from === 'Active' && payload.member.status !== 'Active') active--;
        if (payload.from !== 'Active' && payload.member.status === 'Active') active++;
        fewest = Math.min(fewest, active);
        if (payload.member.status === 'Terminated') {
          expect(payload.reason).toBe('replaced by a member of revision 1 (upgrade)');
          retired.push(payload.member.partitionId);
        }
      }
      expect(fewest).toBe(4);
      expect(retired).toEqual(['p-1', 'p-1', 'p-2', 'p-2']);
      expect(events.filter((e) => e.type === 'ClusterUpgrading' || e.type === 'ClusterUpgraded').map((e) => [e.type, e.payload.operationId])).toEqual([
        ['ClusterUpgrading', accepted.body.operationId],
        ['ClusterUpgraded', accepted.body.operationId],
      ]);
    } finally {
      await database.end();
    }
  }, 180_000);
});
