/**
 * An agent whose broker identity is removed while it runs — as the platform removes a member's
 * when it terminates the member, and as an agent cut off from its controller finds out when it
 * reconnects — stops its workload and exits within a keepalive or so, saying why, rather than
 * run on unseen. On Mosquitto with dynamic security (the embedded broker's member passwords are
 * derived, not stored: nothing there to remove).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { ApplicationRuntime } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { brokerCredentialsFromProc } from '../support/processes';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

const KEEPALIVE_S = 2;
const brokers = availableBrokers().filter((b) => b === 'mosquitto');

(brokers.length > 0 ? describe : describe.skip)('an agent whose broker identity is removed', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'mosquitto', agentKeepaliveS: KEEPALIVE_S });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'revoked', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'revoked', components: { cartridges: [aSubscription('revoked', 'revoked-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications/revoked/deploy/ap-1', undefined, 202);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('stops its workload and exits, saying the broker refuses its identity', async () => {
    const runtime = await until('revoked Active', async () => {
      const now = (await platform.api<ApplicationRuntime>('GET', '/applications/revoked/runtime')).body;
      return now?.status === 'Active' ? now : undefined;
    });
    const [member] = runtime.clusters[0].members;
    const { username } = brokerCredentialsFromProc(member.memberId);
    // The log as last read: the member's folder goes with the member once the controller has seen it stop.
    let lastLog = '';
    const agentLog = async () => (lastLog = (await readFile(join(platform.home, 'members', member.memberId, 'agent.log'), 'utf8').catch(() => '')) || lastLog);
    expect(await agentLog()).toContain('connected to the broker');

    // What the controller does when it terminates a member: its dynamic-security client deleted (which also signs it out).
    const admin = await mqtt.connectAsync(platform.broker.url, { clientId: `admin-${Math.random().toString(16).slice(2)}` });
    const answered = new Promise<string>((resolve) => admin.on('message', (_topic, payload) => resolve(payload.toString())));
    await admin.subscribeAsync('$CONTROL/dynamic-security/v1/response', { qos: 1 });
    await admin.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'deleteClient', username }] }), { qos: 1 });
    expect(JSON.parse(await answered)).toEqual({ responses: [{ command: 'deleteClient' }] });
    await admin.endAsync();

    const said = await until('the agent stopped for its refused identity', async () => (await agentLog()).split('\n').find((l) => l.includes('stopping: ')), 20_000).catch(async (e) => { console.log(await agentLog()); throw e; });
    expect(said).toContain("stopping: the broker has refused this member's identity since");
    expect(said).toMatch(/Not authorized|Bad username or password/);
  });
});
