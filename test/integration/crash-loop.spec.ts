/**
 * A cluster whose members keep crashing: the controller backs off (1 s, 2 s, 4 s …), says so in
 * ClusterCrashes events and in the runtime view (how many in a row, the last member's reason, when
 * the next launch comes), and says the crash loop is over once the cluster has stayed Active a
 * while — here, a start command that fails until a moment given in it, then runs. The gauge
 * stratos_clusters_crash_looping counts such clusters.
 */
import type { ClusterCrashes } from '@stratos/contracts';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('a cluster in a crash loop', () => {
  let platform: TestPlatform;
  /** The controller's gauge, as Prometheus scrapes it. */
  const crashLooping = async () => {
    const text = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
    return Number(/^stratos_clusters_crash_looping (\S+)$/m.exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition());
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('is counted, shown with its last reason, and over once the cluster stays Active', async () => {
    // Fails (after its agent said Active: no ports to wait for) until `healsAt`, then runs.
    const healsAt = Math.ceil(Date.now() / 1000) + 5;
    const start = `[ "$(date +%s)" -ge ${healsAt} ] || exit 3; exec sleep 3600`;
    await platform.post('/cartridges', aCartridge({ type: 'late', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }], property: [{ name: 'payload_parameter.START_COMMAND', value: start }] }));
    await platform.post('/applications', anApplication({ applicationId: 'late-app', components: { cartridges: [aSubscription('late', 'late-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    const watch = await platform.watchEvents();
    await platform.post('/applications/late-app/deploy/ap-1', undefined, 202);

    const loops = () => watch.events.filter((e) => e.type === 'ClusterCrashes').map((e) => e.payload.crashes as ClusterCrashes | null);
    const second = await until('two crashes in a row counted', async () => loops().find((c): c is ClusterCrashes => c !== null && c.inARow === 2), 30_000);
    expect(loops()[0]).toMatchObject({ inARow: 1 });
    expect(second.lastMemberId).toMatch(/^late-1-[0-9a-f]{8}$/);
    // Its agent said Active (no ports to wait for) before its start command failed — a crash all the same — or not yet.
    expect(second.lastReason).toMatch(/^its local instance \d+ is gone.*( \(it was Active \d+\.\d s\)|the start command exited \(code 3\).*)$/);
    expect(Date.parse(second.nextLaunchAt) - Date.parse(second.lastAt)).toBe(2000); // the second back-off step
    const shown = (await platform.runtime('late-app')).clusters[0].crashes;
    expect(shown?.inARow).toBeGreaterThanOrEqual(2);
    expect(await crashLooping()).toBe(1);

    // Past healsAt the next member runs; 10 s Active after the last crash, the loop is over.
    const over = await until('the crash loop over', async () => watch.events.find((e) => e.type === 'ClusterCrashes' && e.payload.crashes === null), 60_000);
    const lastCrash = watch.events.filter((e) => e.type === 'ClusterCrashes' && e.payload.crashes !== null).at(-1)!;
    expect(Date.parse(over.timestamp) - Date.parse(lastCrash.payload.crashes.lastAt)).toBeGreaterThanOrEqual(10_000);
    const view = await platform.runtime('late-app');
    expect(view.clusters[0].crashes).toBeNull();
    expect(view.clusters[0].members.map((m) => m.status)).toEqual(['Active']);
    expect(await crashLooping()).toBe(0);
    await watch.close();

    await platform.post('/applications/late-app/undeploy', undefined, 202);
    await until('undeployed', async () => (await platform.api('GET', '/applications/late-app/runtime')).status === 404, 30_000);
  }, 120_000);

  it('goes on counting under the next controller (a restart, a new leader): the count is kept with the cluster', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'never', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'exit 3' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'never-app', components: { cartridges: [aSubscription('never', 'never-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    const watch = await platform.watchEvents();
    await platform.post('/applications/never-app/deploy/ap-1', undefined, 202);
    const counts = () => watch.events.filter((e) => e.type === 'ClusterCrashes').map((e) => (e.payload.crashes as ClusterCrashes | null)?.inARow ?? 0);
    await until('two crashes in a row counted', async () => counts().includes(2), 30_000);
    await platform.stopController();
    await platform.startController();
    const next = await until('the next crash counted', async () => counts().find((n) => n > 2), 60_000);
    expect(next).toBe(3);
    expect(counts().slice(0, 3)).toEqual([1, 2, 3]);
    await watch.close();
    await platform.post('/applications/never-app/undeploy', undefined, 202);
    await until('undeployed', async () => (await platform.api('GET', '/applications/never-app/runtime')).status === 404, 30_000);
  }, 120_000);
});
