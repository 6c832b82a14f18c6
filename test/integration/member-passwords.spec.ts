/**
 * Rotating members' own broker passwords where the broker keeps one per member (Mosquitto with
 * dynamic security): every running member is sent its new password, is signed out by the broker
 * as it changes, signs in again with the new one and keeps running — same members, Active
 * throughout, one notice each — and the old password, read from the agent's environment as a
 * workload could, is refused. On the embedded broker (aedes here) members' passwords derive from
 * the member secret: the API says to rotate that instead, and nothing changes.
 */
import mqtt from 'mqtt';
import pg from 'pg';
import { MemberTopics, type ApplicationRuntime, type MemberPasswordRotationView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { brokerCredentialsFromProc } from '../support/processes';
import { successBodyValidator, type OpenApiDocument } from '../support/openapi';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

/** Whether the broker lets these credentials in: the CONNACK's verdict, or the connection's error. */
async function signsIn(url: string, username: string, password: string): Promise<true | string> {
  try {
    const client = await mqtt.connectAsync(url, { username, password, clientId: `probe-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0, connectTimeout: 5000 });
    await client.endAsync(true);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

describe.each(availableBrokers({ memberFiles: true }))('rotating members’ own broker passwords (%s)', (broker) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'turn', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'turns', components: { cartridges: [aSubscription('turn', 'turn-1', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
    await platform.post('/applications/turns/deploy/ap-1', undefined, 202);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const activeRuntime = () =>
    until('turns Active', async () => {
      const now = (await platform.api<ApplicationRuntime>('GET', '/applications/turns/runtime')).body;
      return now?.status === 'Active' && now.clusters[0].members.every((m) => m.status === 'Active') ? now : undefined;
    }, 60_000);

  if (broker === 'aedes') {
    it('is refused on the embedded broker, pointing to the member secret, and changes nothing', async () => {
      const before = await activeRuntime();
      const refused = await platform.api('POST', '/member-passwords/rotation');
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/derived from the embedded broker's member secret.*stratos secrets rotate member-secret/);
      expect((await platform.api('GET', '/member-passwords/rotation')).status).toBe(404);
      const member = before.clusters[0].members[0];
      const own = brokerCredentialsFromProc(member.memberId);
      expect(await signsIn(own.url, own.username, own.password)).toBe(true);
    });
    return;
  }

  it('gives every running member a new password it signs in with; the old one is refused; the members stay', async () => {
    const before = await activeRuntime();
    const [first, second] = before.clusters[0].members;
    const old = brokerCredentialsFromProc(first.memberId);
    expect(await signsIn(old.url, old.username, old.password)).toBe(true);
    // A member may read its own credentials topic, never another's.
    const nosy = await mqtt.connectAsync(old.url, { username: old.username, password: old.password, clientId: `nosy-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
    if (broker === 'mosquitto-files') {
      // Mosquitto 2.0's acl_file grants every SUBSCRIBE and filters what it delivers. The platform sends to the other
      // member's topic, then to this one's (not a password: both agents ignore it); this one's arrives, the other's must not have.
      const received: string[] = [];
      const own = new Promise<void>((resolve) => nosy.on('message', (topic) => (received.push(topic), topic === MemberTopics.credentials(first.memberId) && resolve())));
      await nosy.subscribeAsync([MemberTopics.credentials(second.memberId), MemberTopics.credentials(first.memberId)], { qos: 1 });
      const platformClient = await mqtt.connectAsync(platform.broker.url, { clientId: `fence-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
      for (const member of [second, first]) await platformClient.publishAsync(MemberTopics.credentials(member.memberId), JSON.stringify({ fence: true }), { qos: 1 });
      await platformClient.endAsync(true);
      await own;
      expect(received).toEqual([MemberTopics.credentials(first.memberId)]);
    } else {
      await expect(nosy.subscribeAsync(MemberTopics.credentials(second.memberId), { qos: 1 })).rejects.toThrow(/Subscribe error/); // SUBACK 0x80
    }
    await nosy.endAsync(true);
    const document = (await (await fetch(`${platform.url}/api/docs/json`)).json()) as OpenApiDocument;
    const conforms = successBodyValidator(document);

    const started = await platform.api<MemberPasswordRotationView>('POST', '/member-passwords/rotation');
    expect(started.status).toBe(202);
    expect(conforms('POST', '/api/member-passwords/rotation', 202, JSON.stringify(started.body))).toEqual([]);
    expect(started.body).toMatchObject({ state: 'Running', members: 2 });
    const again = await platform.api('POST', '/member-passwords/rotation'); // each member takes a sign-out and a reconnect: the first is running still
    const finished = await until('the rotation finished', async () => {
      const now = await platform.api<MemberPasswordRotationView>('GET', '/member-passwords/rotation');
      return now.body.state === 'Finished' ? now : undefined;
    }, 60_000);
    expect([again.status, again.body.message]).toEqual([409, expect.stringMatching(/is still running/)]);
    expect(conforms('GET', '/api/member-passwords/rotation', 200, JSON.stringify(finished.body))).toEqual([]);
    expect(finished.body).toMatchObject({ rotationId: started.body.rotationId, members: 2, switched: 2, cutOff: 0, notRotated: 0, gone: 0 });

    // Each member said it signed in again with its new password; the old one no longer signs in.
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const switchedNotices = async () =>
        (await client.query(`SELECT payload->>'memberId' AS member FROM topology_events WHERE type = 'MemberNotice' AND payload->>'message' LIKE 'signed in to the broker again with its new password%'`)).rows.map((r) => r.member as string);
      const noticed = await until('both members signed in again', async () => {
        const now = await switchedNotices();
        return new Set(now).size === 2 ? now : undefined;
      });
      expect(new Set(noticed)).toEqual(new Set([first.memberId, second.memberId]));
    } finally {
      await client.end();
    }
    expect(await signsIn(old.url, old.username, old.password)).toMatch(/Not authorized|Bad username or password/i);
    const after = await activeRuntime();
    expect(after.clusters[0].members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort());
  }, 120_000);
});
