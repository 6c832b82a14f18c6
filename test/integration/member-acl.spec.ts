/**
 * What a workload can do with the most it can get hold of — its own agent's broker credentials,
 * read from the agent's /proc/<pid>/environ (same user) — on each broker: speak for its own
 * member, and nothing else. Publishing a controller request, a topology event, the controller's
 * presence or another member's event is refused by the broker: a spy subscribed to all of them
 * sees none, though it sees what the member sent on its own topic afterwards (the fence: a
 * broker keeps one publisher's order). What it may read is its own member's and cluster's trees:
 * a tenant's member never another tenant's deployment's, a shared cluster's or the topology.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { AgentTopics, ClusterTopics, MemberTopics, Topics, topologyTopic, type ApplicationRuntime } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { brokerCredentialsFromProc } from '../support/processes';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe.each(availableBrokers({ memberFiles: true }))('a member’s own broker identity (%s)', (broker) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'nosy', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'nosy', components: { cartridges: [aSubscription('nosy', 'nosy-1', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('publishes as its own member only: never as the controller, the topology or another member', async () => {
    await platform.post('/applications/nosy/deploy/ap-1', undefined, 202);
    const runtime = await until('nosy Active', async () => {
      const now = (await platform.api<ApplicationRuntime>('GET', '/applications/nosy/runtime')).body;
      return now?.status === 'Active' ? now : undefined;
    });
    const [self, other] = runtime.clusters[0].members;
    const stolen = brokerCredentialsFromProc(self.memberId);

    const spy: MqttClient = await mqtt.connectAsync(platform.broker.url, { clientId: `spy-${Math.random().toString(16).slice(2)}` });
    const seen: { topic: string; payload: string }[] = [];
    spy.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    const forbidden = [Topics.cartridges.create, topologyTopic('ServiceCreated'), Topics.controllerPresence.of('forged'), AgentTopics.events(other.memberId)];
    await spy.subscribeAsync([...forbidden, AgentTopics.health(self.memberId)], { qos: 1 });

    for (const topic of forbidden) {
      // One connection per try: a broker may close the connection of a client that publishes where it may not.
      const attacker = await mqtt.connectAsync(stolen.url, { username: stolen.username, password: stolen.password, clientId: `attacker-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
      attacker.on('error', () => undefined);
      const closed = new Promise<void>((r) => attacker.once('close', () => r()));
      const forged = JSON.stringify({ pattern: topic, data: { definition: aCartridge({ type: 'forged' }) }, id: 'forged-1', memberId: other.memberId, type: 'InstanceReadyToShutdown' });
      await Promise.race([attacker.publishAsync(topic, forged, { qos: 1 }).catch(() => undefined), closed]);
      await attacker.endAsync(true).catch(() => undefined);
    }
    // The fence: the same identity on its own topic, which the broker routes after whatever it routed before.
    const own = await mqtt.connectAsync(stolen.url, { username: stolen.username, password: stolen.password, clientId: `own-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
    await own.publishAsync(AgentTopics.health(self.memberId), JSON.stringify({ fence: true }), { qos: 1 });
    await own.endAsync();
    await until('the spy sees the fence', async () => seen.some((m) => m.topic === AgentTopics.health(self.memberId) && m.payload.includes('"fence"')));
    await spy.endAsync();
    expect(seen.filter((m) => forbidden.includes(m.topic))).toEqual([]);
    expect((await platform.api('GET', '/cartridges/forged')).status).toBe(404);
    expect((await platform.api('GET', '/applications/nosy/runtime')).body.clusters[0].members.filter((m: { status: string }) => m.status === 'Active')).toHaveLength(2);
  });

  it("reads its own deployment's trees only: a tenant's member never another tenant's, a shared cluster's or the topology; a shared member's tree names the tenants signed up to it alone", async () => {
    const tokens: Record<string, string> = {};
    const ids: Record<string, number> = {};
    for (const [domain, admin] of [['acme.com', 'boss'], ['globex.org', 'hank']]) {
      ids[domain] = (await platform.post('/tenants', { tenantDomain: domain, admin, adminPassword: `${admin}-admin-password`, email: `${admin}@${domain}` })).tenant.tenantId;
      tokens[domain] = (await platform.api('POST', '/tokens', { token: null, body: { username: `${admin}@${domain}`, password: `${admin}-admin-password` } })).body.token;
    }
    await platform.post('/cartridges', aCartridge({ type: 'mt-web', multiTenant: true, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'shared', components: { cartridges: [aSubscription('mt-web', 'web', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications/shared/deploy/ap-1', undefined, 202);
    for (const domain of ['acme.com', 'globex.org']) expect((await platform.api('POST', '/applications/nosy/deploy/ap-1', { token: tokens[domain] })).status).toBe(202);
    const active = async (key: string) => until(`${key} Active`, async () => {
      const now = (await platform.api<ApplicationRuntime>('GET', `/applications/${key}/runtime`)).body;
      return now?.status === 'Active' ? now : undefined;
    }, 60_000);
    const shared = await active('shared');
    const acme = await active(`nosy~t${ids['acme.com']}`);
    const globex = await active(`nosy~t${ids['globex.org']}`);
    expect((await platform.api('POST', '/applications/shared/signup', { token: tokens['acme.com'], body: { artifactRepositories: [] } })).status).toBe(201);

    const mine = acme.clusters[0].members[0];
    const stolen = brokerCredentialsFromProc(mine.memberId);
    const client = await mqtt.connectAsync(stolen.url, { username: stolen.username, password: stolen.password, clientId: `tenant-member-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      client.on('message', (topic) => received.push(topic));
      const own = new Promise<string>((resolve) => client.on('message', (topic, body) => topic === ClusterTopics.metadata(mine.clusterId) && resolve(body.toString())));
      const theirs = globex.clusters[0].members[0];
      const forbidden = [ClusterTopics.metadata(theirs.clusterId), MemberTopics.metadata(theirs.memberId), ClusterTopics.metadata(shared.clusters[0].clusterId), MemberTopics.metadata(shared.clusters[0].members[0].memberId), 'stratos/topology/#'];
      if (broker === 'mosquitto-files') {
        // Mosquitto 2.0's acl_file grants every SUBSCRIBE and filters what it delivers: the retained trees of those
        // topics would come at once; its own, subscribed after them, comes after whatever they would have sent.
        for (const topic of forbidden) await client.subscribeAsync(topic, { qos: 1 });
      } else {
        for (const topic of forbidden) await expect(client.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/); // SUBACK 0x80
      }
      expect((await client.subscribeAsync(ClusterTopics.metadata(mine.clusterId), { qos: 1 }))[0].qos).toBe(1);
      expect(JSON.parse(await own).tree['/cluster/cluster_id']).toBe(mine.clusterId);
      expect(received).toEqual([ClusterTopics.metadata(mine.clusterId)]);
    } finally {
      await client.endAsync(true);
    }
    // The shared member's tree: the tenant signed up to it, not the one that is not.
    const tree = await until('acme in the shared tree', async () => {
      const now = (await platform.api('GET', `/metadata/members/${shared.clusters[0].members[0].memberId}`)).body.tree as Record<string, string>;
      return now[`/tenants/${ids['acme.com']}/domain`] === 'acme.com' && now;
    });
    expect(Object.keys(tree).filter((k) => k.startsWith('/tenants/') && !k.startsWith(`/tenants/${ids['acme.com']}/`))).toEqual([]);
  });
});
