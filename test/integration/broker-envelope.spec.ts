/**
 * The embedded broker knows what it carries (STRATOS_EMBEDDED_BROKER_AGENTS, measured: ≈3,000
 * agents at one message a second on 2 cores): a deploy that takes the platform past it goes
 * ahead, and says to move to MQTT_URL — in its answer, the CLI's output and the log.
 */
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe('the embedded broker envelope', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', embeddedBrokerAgents: 2 });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'small', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const deploy = async (id: string, members: number) => {
    await platform.post('/applications', anApplication({ applicationId: id, components: { cartridges: [aSubscription('small', `${id}-1`, { cartridgeMin: members, cartridgeMax: members })] } }));
    return platform.post(`/applications/${id}/deploy/ap-1`, undefined, 202);
  };

  it('says nothing within it, and names MQTT_URL once a deploy goes past it', async () => {
    expect((await deploy('within', 1)).warnings).toBeUndefined();
    const past = await deploy('past', 2);
    expect(past.warnings).toEqual([expect.stringMatching(/now wants 3 members; the embedded broker \(aedes\) carries about 2 agents .* set MQTT_URL to Mosquitto/)]);
    await until('both Active', async () => (await platform.runtime('within')).status === 'Active' && (await platform.runtime('past')).status === 'Active', 30_000); // it went ahead
    for (const id of ['within', 'past']) await platform.post(`/applications/${id}/undeploy?force=true`, undefined, 202);
    await until('both gone', async () => (await platform.api('GET', '/applications/past/runtime')).status === 404 && (await platform.api('GET', '/applications/within/runtime')).status === 404);
  });
});
