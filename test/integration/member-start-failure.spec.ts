/**
 * A member whose agent cannot start — here, the broker it is told of does not answer — is Lost
 * with the agent's own reason (read from the end of its log), not only its exit code.
 */
import { freePort } from '@stratos/runtime';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('a member that cannot start', () => {
  let platform: TestPlatform;
  let deadPort: number;

  beforeAll(async () => {
    deadPort = await freePort(); // nothing listens there
    platform = await startTestPlatform({ broker: 'aedes', agentMqttUrl: `mqtt://127.0.0.1:${deadPort}` });
    await platform.post('/cartridges', aCartridge({ type: 'unreachable', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }], property: [{ name: 'payload_parameter.READY_TIMEOUT_MS', value: '1500' }] }));
    await platform.post('/networkPartitions', aNetworkPartition());
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('is Lost with the reason its agent gave: the broker it was told of did not answer', async () => {
    await platform.post('/applications', anApplication({ applicationId: 'nobroker', components: { cartridges: [aSubscription('unreachable', 'nb', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    const watch = await platform.watchEvents();
    await platform.post('/applications/nobroker/deploy/ap-1', undefined, 202);
    const lost = await until("the member Lost, with its agent's reason", async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.status === 'Lost'), 30_000);
    expect(lost.payload.reason).toMatch(new RegExp(`^its local instance \\S+ is gone(: exited with code 1)?; its agent said: no broker answered within 1500 ms \\(mqtt://127\\.0\\.0\\.1:${deadPort}\\)$`));
    await platform.post('/applications/nobroker/undeploy', undefined, 202);
    await until('undeployed', async () => (await platform.api('GET', '/applications/nobroker/runtime')).status === 404, 30_000);
  }, 60_000);
});
