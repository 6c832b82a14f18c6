/**
 * A member that flaps — Active, then dead a second later, again and again — is relaunched with
 * a growing wait (crash-loop back-off), not in a tight loop: its cluster being Active for a
 * moment between crashes does not reset the count.
 */
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe('a flapping member', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    // No ports: Active as soon as its workload runs; the workload dies a second later.
    await platform.post('/cartridges', aCartridge({ type: 'flappy', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'sleep 1; exit 3' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'flappy', components: { cartridges: [aSubscription('flappy', 'flappy-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('is relaunched after 1 s, then 2 s, then 4 s…, though it became Active each time', async () => {
    const watch = await platform.watchEvents();
    try {
      await platform.post('/applications/flappy/deploy/ap-1', undefined, 202);
      const launches = () => watch.events.filter((e) => e.type === 'MemberCreated' && e.payload.clusterId === 'flappy.flappy-1').map((e) => Date.parse(e.timestamp));
      await until('four launches', async () => launches().length >= 4, 60_000);
      const activations = watch.events.filter((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'flappy.flappy-1' && e.payload.member.status === 'Active');
      expect(activations.length).toBeGreaterThanOrEqual(3); // each one did become Active before it died
      // The back-off is the wait from each death to the next launch: 1 s, 2 s, 4 s (measured from
      // the death, not the launch: how long a member takes to start varies with the machine's load).
      const deaths = watch.events.filter((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'flappy.flappy-1' && e.payload.member.status === 'Lost').map((e) => Date.parse(e.timestamp));
      const waits = launches().slice(1, 4).map((launch, i) => launch - deaths[i]);
      // The delay counts from the reconcile pass that found the death, a moment before its event was stamped.
      const slack = 250;
      expect({ waits, atLeast: waits.map((w, i) => w >= [1000, 2000, 4000][i] - slack) }).toEqual({ waits, atLeast: [true, true, true] });
    } finally {
      await watch.close();
    }
    await platform.post('/applications/flappy/undeploy?force=true', undefined, 202);
    await until('flappy gone', async () => (await platform.api('GET', '/applications/flappy/runtime')).status === 404);
  });
});
