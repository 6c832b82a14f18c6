/**
 * Members never get the platform's own broker credentials: where the controller cannot give
 * each member an identity of its own (no member secret for the embedded broker, no Mosquitto
 * dynamic security), deploys are refused with the reason and the fix, and nothing is written.
 */
import { rowCounts } from '../support/databases';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('a broker on which members would get no identity of their own', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', memberIdentities: false });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'lonely', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'lonely', components: { cartridges: [aSubscription('lonely', 'lonely-1')] } }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('refuses to deploy, saying why and how to fix it, and writes nothing', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const refused = await platform.api('POST', '/applications/lonely/deploy/ap-1');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/^application "lonely" cannot be deployed: members would get no broker identity of their own on this broker, and the platform does not hand them its own credentials: .*STRATOS_MEMBER_SECRET.*STRATOS_MQTT_DYNSEC=on, or Mosquitto reading member files \(STRATOS_MQTT_MEMBER_FILES\)$/);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect((await platform.api('GET', '/applications/lonely/runtime')).status).toBe(404);
  });
});
