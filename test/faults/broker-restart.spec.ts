/**
 * The broker restarted in the middle of a deploy, on each broker the platform supports: every
 * agent and the controller reconnect; no member is Lost for it (a Last Will is not a death
 * sentence: a member is Lost only when its agent stays silent past the grace, 3× its keepalive);
 * the deploy finishes; no topology event is lost. And the grace itself: a frozen agent that
 * comes back within it stays, one that does not is Lost and replaced.
 */
import pg from 'pg';
import type { ApplicationRuntime, MemberView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { gapFree, topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

const KEEPALIVE_S = 2;
const GRACE_S = 3 * KEEPALIVE_S;

describe.each(availableBrokers())('broker restart (%s)', (broker) => {
  let platform: TestPlatform;
  let db: pg.Client;
  const active = (runtime: ApplicationRuntime | undefined): MemberView[] => (runtime?.clusters ?? []).flatMap((c) => c.members).filter((m) => m.status === 'Active');
  const runtimeOf = async (applicationId: string) => {
    const response = await platform.api<ApplicationRuntime>('GET', `/applications/${applicationId}/runtime`);
    return response.status === 200 ? response.body : undefined;
  };
  const notices = async (memberId: string) =>
    (await db.query<{ message: string }>(`SELECT payload->>'message' AS message FROM topology_events WHERE type = 'MemberNotice' AND payload->>'memberId' = $1 ORDER BY revision`, [memberId])).rows.map((r) => r.message);
  const lostMembers = async () =>
    (await db.query<{ member_id: string; reason: string }>(`SELECT payload->'member'->>'memberId' AS member_id, payload->>'reason' AS reason FROM topology_events WHERE type = 'MemberStatusChanged' AND payload->'member'->>'status' = 'Lost'`)).rows;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker, agentKeepaliveS: KEEPALIVE_S });
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'sturdy', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    for (const [id, count] of [['steady', 3], ['moving', 4]] as const) {
      await platform.post('/applications', anApplication({ applicationId: id, components: { cartridges: [aSubscription('sturdy', `${id}-web`, { cartridgeMin: count, cartridgeMax: count })] } }));
    }
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  });

  it('loses no member and no event when the broker restarts mid-deploy', async () => {
    await platform.post('/applications/steady/deploy/ap-1', undefined, 202);
    const steady = active(await until('steady Active', async () => ((await runtimeOf('steady'))?.status === 'Active' ? runtimeOf('steady') : undefined)));
    expect(steady).toHaveLength(3);

    await platform.post('/applications/moving/deploy/ap-1', undefined, 202);
    await platform.broker.restart(2000);

    const moving = await until('moving Active with 4 members after the restart', async () => {
      const runtime = await runtimeOf('moving');
      return runtime?.status === 'Active' && active(runtime).length === 4 ? runtime : undefined;
    }, 60_000);
    expect(active(moving)).toHaveLength(4);
    // Every agent whose Last Will came (aedes sends them as it closes; a Mosquitto killed -9 sends none) spoke again after it.
    const backAfterWill = async (memberId: string) => {
      const said = await notices(memberId);
      return said.findLastIndex((n) => n.startsWith('its agent disconnected')) <= said.findLastIndex((n) => n.startsWith('its agent reconnected'));
    };
    await until('every agent reconnected', async () => (await Promise.all(steady.map((m) => backAfterWill(m.memberId)))).every(Boolean), 30_000);
    expect(active(await runtimeOf('steady')).map((m) => m.memberId).sort()).toEqual(steady.map((m) => m.memberId).sort());
    expect(await lostMembers()).toEqual([]);
    // The controller's outbox published everything it wrote while the broker was away, without a gap.
    await until('every event published', async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM topology_events WHERE published_at IS NULL')).rows[0].n === 0, 30_000).catch(async (error: Error) => {
      const left = (await db.query<{ revision: string; type: string; created_at: Date }>('SELECT revision, type, created_at FROM topology_events WHERE published_at IS NULL ORDER BY revision')).rows;
      const metrics = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
      throw new Error(`${error.message}; unpublished: ${JSON.stringify(left)}; ${metrics.split('\n').filter((l) => l.startsWith('stratos_broker_connected')).join(' ')}`);
    });
    const revisions = await topologyRevisions(platform.databaseUrl);
    expect(revisions).toEqual(gapFree(revisions));
  });

  it(`keeps a frozen agent that comes back within the grace (${GRACE_S} s), and replaces one that does not`, async () => {
    const [back, gone] = active(await runtimeOf('steady'));
    // Frozen (SIGSTOP): its keepalive lapses and the broker sends its Last Will.
    process.kill(-Number(back.instanceId), 'SIGSTOP');
    await until(`${back.memberId}'s Last Will reached the controller`, async () => (await notices(back.memberId)).some((n) => n.startsWith('its agent disconnected')), 20_000);
    process.kill(-Number(back.instanceId), 'SIGCONT');
    await until(`${back.memberId} reconnected`, async () => (await notices(back.memberId)).some((n) => /^its agent reconnected after \d+\.\d s$/.test(n)), 20_000);

    process.kill(-Number(gone.instanceId), 'SIGSTOP');
    try {
      const replaced = await until('the silent member Lost and replaced', async () => {
        const runtime = await runtimeOf('steady');
        return active(runtime).length === 3 && !active(runtime).some((m) => m.memberId === gone.memberId) ? runtime : undefined;
      }, 60_000);
      const lost = await lostMembers();
      expect(lost).toEqual([{ member_id: gone.memberId, reason: expect.stringMatching(new RegExp(`^its agent disconnected \\(Last Will\\) and did not reconnect within ${GRACE_S} s`)) }]);
      // The one that came back is still there, Active: it was never Lost.
      expect(active(replaced).map((m) => m.memberId)).toContain(back.memberId);
    } finally {
      try {
        process.kill(-Number(gone.instanceId), 'SIGKILL');
      } catch {
        // already stopped by the controller
      }
    }
    for (const id of ['steady', 'moving']) await platform.post(`/applications/${id}/undeploy?force=true`, undefined, 202);
    for (const id of ['steady', 'moving']) await until(`${id} undeployed`, async () => (await platform.api('GET', `/applications/${id}/runtime`)).status === 404);
  });
});
