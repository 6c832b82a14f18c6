/**
 * Applications deployed to real members: local processes running the real cartridge agent,
 * registering over a real broker; the controller heals what dies and takes down what is
 * undeployed, leaving no process, folder or record behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { AgentTopics, memberBrokerPassword, memberBrokerUser, type ApplicationRuntime, type MemberView } from '@stratos/contracts';
import { isAlive } from '@stratos/runtime';
import { availableBrokers } from '../support/brokers';
import { rowCounts } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';


/** Pids whose command line holds `arg`. */
async function processesNaming(arg: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(arg)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The client user names Mosquitto's dynamic security knows. */
async function dynsecClients(url: string): Promise<string[]> {
  const client = await mqtt.connectAsync(url);
  await client.subscribeAsync('$CONTROL/dynamic-security/v1/response');
  const answer = new Promise<string[]>((resolve) =>
    client.on('message', (_t, payload) => resolve((JSON.parse(payload.toString()) as { responses: { data?: { clients?: string[] } }[] }).responses[0].data?.clients ?? [])),
  );
  await client.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'listClients', verbose: false }] }));
  const clients = await answer;
  await client.endAsync();
  return clients;
}

describe.each(availableBrokers())('deploying applications over %s', (broker) => {
  let platform: TestPlatform;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const runtime = (id: string) => platform.runtime(id);
  const activeMembers = (rt: ApplicationRuntime): MemberView[] => rt.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active');

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    for (const type of ['web', 'db']) {
      await post('/cartridges', aCartridge({ type, portMapping: [{ name: 'http', protocol: 'http', port: 8080 }], iaasProvider: [{ type: 'mock', imageId: `${type}-image` }] }));
    }
    await post('/cartridges', aCartridge({ type: 'cloudy', iaasProvider: [{ type: 'ec2', imageId: 'ami-1' }] }));
    await post('/networkPartitions', aNetworkPartition());
    await post('/networkPartitions', aNetworkPartition({ id: 'np-ec2', provider: 'ec2', partitions: [{ id: 'zone-a' }] }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 3 }, { id: 'p-2', partitionMax: 3 }] }] }));
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-ec2', networkPartitions: [{ id: 'np-ec2', partitions: [{ id: 'zone-a', partitionMax: 2 }] }] }));
    await post('/applicationPolicies', anApplicationPolicy());
    await post('/applicationPolicies', anApplicationPolicy({ id: 'ap-ec2', networkPartitions: ['np-ec2'] }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('deploys to real members, places them round-robin, and undeploys leaving nothing behind', async () => {
    await post('/applications', anApplication({ applicationId: 'solo', components: { cartridges: [aSubscription('web', 'solo-web', { cartridgeMin: 2, cartridgeMax: 4 })] } }));
    const before = await rowCounts(platform.databaseUrl);
    const accepted = await post('/applications/solo/deploy/ap-1', undefined, 202);
    expect(accepted).toMatchObject({ applicationId: 'solo', status: 'Created', operationId: expect.any(String) });
    const rt = await until('solo Active', async () => ((await runtime('solo')).status === 'Active' ? runtime('solo') : undefined));
    const members = activeMembers(rt);
    expect(members).toHaveLength(2);
    expect(members.map((m) => m.partitionId).sort()).toEqual(['p-1', 'p-2']);
    expect(new Set(members.map((m) => m.host)).size).toBe(2);
    for (const member of members) {
      // Each local member has a loopback address of its own, where it keeps its declared port.
      expect(member).toMatchObject({ driver: 'local', host: expect.stringMatching(/^127\.\d+\.\d+\.\d+$/), networkPartitionId: 'np-1' });
      expect(member.host).not.toBe('127.0.0.1');
      const port = member.ports[0];
      expect(port).toMatchObject({ name: 'http', protocol: 'http', port: 8080, hostPort: 8080 });
      const answer = (await (await fetch(`http://${member.host}:${port.hostPort}/`)).json()) as { memberId: string };
      expect(answer.memberId).toBe(member.memberId);
      expect(isAlive(Number(member.instanceId))).toBe(true);
    }
    if (platform.broker.dynsec) {
      // On Mosquitto each member has a client of its own, and an anonymous agent is refused.
      expect((await dynsecClients(platform.broker.url)).filter((u) => u.startsWith('member:')).sort()).toEqual(members.map((m) => memberBrokerUser(m)).sort());
      const anonymous = await mqtt.connectAsync(platform.broker.url.replace(/\/\/[^@]*@/, '//'), { reconnectPeriod: 0, connectTimeout: 2000 }).then(
        (c) => (c.end(true), 'accepted'),
        () => 'refused',
      );
      expect(anonymous).toBe('refused');
    }
    const operation = (await platform.api('GET', `/operations/${accepted.operationId}`)).body;
    expect(operation).toMatchObject({ kind: 'deploy', status: 'succeeded', message: expect.stringMatching(/^deployed in \d+\.\d s$/) });

    await post('/applications/solo/undeploy', undefined, 202);
    await until('solo gone', async () => (await platform.api('GET', '/applications/solo/runtime')).status === 404);
    for (const member of members) expect(isAlive(Number(member.instanceId))).toBe(false);
    const membersDir = join(platform.home, 'members');
    expect(existsSync(membersDir) ? readdirSync(membersDir) : []).toEqual([]);
    expect(await rowCounts(platform.databaseUrl)).toMatchObject({ ...before, topology_events: expect.any(Number) });
    if (platform.broker.dynsec) expect((await dynsecClients(platform.broker.url)).filter((u) => u.startsWith('member:'))).toEqual([]);
    expect((await platform.api('DELETE', '/applications/solo')).status).toBe(200);
  });

  it('replaces a member that is killed, within a second or two', async () => {
    await post('/applications', anApplication({ applicationId: 'heal', components: { cartridges: [aSubscription('web', 'heal-web')] } }));
    await post('/applications/heal/deploy/ap-1', undefined, 202);
    const [victim] = activeMembers(await until('heal Active', async () => ((await runtime('heal')).status === 'Active' ? runtime('heal') : undefined)));
    const watch = await platform.watchEvents();
    process.kill(Number(victim.instanceId), 'SIGKILL');
    const replacement = await until('a replacement Active', async () => activeMembers(await runtime('heal')).find((m) => m.memberId !== victim.memberId));
    expect(replacement.memberId).not.toBe(victim.memberId);
    const lost = watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === victim.memberId && e.payload.member.status === 'Lost');
    expect(lost).toBeDefined();
    // Only the instance's own process was killed (a sandboxed member's monitor): nothing of the member is left running.
    await until('no process of the lost member is left', async () => (await processesNaming(`--member=${victim.memberId}`)).length === 0, 10_000);
    await watch.close();
    await post('/applications/heal/undeploy?force=true', undefined, 202);
    await until('heal gone', async () => (await platform.api('GET', '/applications/heal/runtime')).status === 404);
  });

  it('starts dependents after their startup-order predecessors, and terminate-dependents takes them down and back up', async () => {
    await post(
      '/applications',
      anApplication({
        applicationId: 'ordered',
        components: {
          cartridges: [aSubscription('db', 'o-db'), aSubscription('web', 'o-web')],
          dependencies: { startupOrders: [{ aliases: ['cartridge.o-db', 'cartridge.o-web'] }], terminationBehaviour: 'terminate-dependents' },
        },
      }),
    );
    const watch = await platform.watchEvents();
    await post('/applications/ordered/deploy/ap-1', undefined, 202);
    const rt = await until('ordered Active', async () => ((await runtime('ordered')).status === 'Active' ? runtime('ordered') : undefined));
    const revisionOf = (predicate: (e: (typeof watch.events)[number]) => boolean) => watch.events.find(predicate)?.revision ?? Infinity;
    const dbActive = revisionOf((e) => e.type === 'ClusterStatusChanged' && e.payload.clusterId === 'ordered.o-db' && e.payload.to === 'Active');
    const webCreated = revisionOf((e) => e.type === 'MemberCreated' && e.payload.clusterId === 'ordered.o-web');
    expect(dbActive).toBeLessThan(webCreated);

    const db = rt.clusters.find((c) => c.alias === 'o-db')!.members[0];
    const web = rt.clusters.find((c) => c.alias === 'o-web')!.members[0];
    process.kill(Number(db.instanceId), 'SIGKILL');
    await until('web taken down', async () => watch.events.some((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === web.memberId && e.payload.member.status === 'Terminated'));
    const back = await until('all back to Active', async () => {
      const now = await runtime('ordered');
      return now.status === 'Active' && activeMembers(now).length === 2 ? now : undefined;
    });
    expect(activeMembers(back).map((m) => m.memberId)).not.toContain(web.memberId);
    await watch.close();
    await post('/applications/ordered/undeploy', undefined, 202);
    await until('ordered gone', async () => (await platform.api('GET', '/applications/ordered/runtime')).status === 404);
  });

  it('applies a nested group\'s terminate-dependents inside the group only', async () => {
    await post('/cartridgeGroups', {
      name: 'pair',
      cartridges: ['db', 'web'],
      dependencies: { startupOrders: [{ aliases: ['cartridge.g-db', 'cartridge.g-web'] }], terminationBehaviour: 'terminate-dependents' },
    });
    await post(
      '/applications',
      anApplication({
        applicationId: 'grouped',
        components: {
          cartridges: [aSubscription('web', 'g-outside')],
          groups: [{ name: 'pair', alias: 'g-pair', groupMinInstances: 1, groupMaxInstances: 1, cartridges: [aSubscription('db', 'g-db'), aSubscription('web', 'g-web')] }],
        },
      }),
    );
    const watch = await platform.watchEvents();
    await post('/applications/grouped/deploy/ap-1', undefined, 202);
    const rt = await until('grouped Active', async () => ((await runtime('grouped')).status === 'Active' ? runtime('grouped') : undefined));
    expect(rt.groups).toEqual([{ alias: 'g-pair', groupPath: [], status: 'Active', instances: 1 }]);
    const member = (alias: string) => rt.clusters.find((c) => c.alias === alias)!.members[0];
    const [db, web, outside] = [member('g-db'), member('g-web'), member('g-outside')];
    const killedAfter = Math.max(...watch.events.map((e) => e.revision));
    process.kill(Number(db.instanceId), 'SIGKILL');
    await until('g-web taken down', async () => watch.events.some((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === web.memberId && e.payload.member.status === 'Terminated'));
    const back = await until('all back to Active', async () => {
      const now = await runtime('grouped');
      return now.status === 'Active' && activeMembers(now).length === 3 ? now : undefined;
    });
    // The cluster outside the group is not a dependent: it was never touched.
    expect(activeMembers(back).map((m) => m.memberId)).toContain(outside.memberId);
    expect(watch.events.filter((e) => e.revision > killedAfter && e.type === 'MemberStatusChanged' && e.payload.member.memberId === outside.memberId)).toEqual([]);
    await watch.close();
    await post('/applications/grouped/undeploy', undefined, 202);
    await until('grouped gone', async () => (await platform.api('GET', '/applications/grouped/runtime')).status === 404);
  });

  it('finds its members again after a controller restart, without launching others', async () => {
    await post('/applications', anApplication({ applicationId: 'survivor', components: { cartridges: [aSubscription('web', 'sv-web')] } }));
    await post('/applications/survivor/deploy/ap-1', undefined, 202);
    const [member] = activeMembers(await until('survivor Active', async () => ((await runtime('survivor')).status === 'Active' ? runtime('survivor') : undefined)));
    await platform.stopController();
    expect(isAlive(Number(member.instanceId))).toBe(true);
    await platform.startController();
    await platform.reconcilePasses(3); // the fence: passes enough to have launched another, had it wanted to
    const after = await runtime('survivor');
    expect(after.status).toBe('Active');
    expect(activeMembers(after).map((m) => m.memberId)).toEqual([member.memberId]);
    await post('/applications/survivor/undeploy', undefined, 202);
    await until('survivor gone', async () => (await platform.api('GET', '/applications/survivor/runtime')).status === 404);
    expect(isAlive(Number(member.instanceId))).toBe(false);
  });

  describe('refuses what cannot be deployed, with a 4xx and nothing written', () => {
    beforeAll(async () => {
      await post('/applications', anApplication({ applicationId: 'bad-ec2', components: { cartridges: [aSubscription('cloudy', 'bad-cloudy', { subscribableInfo: { alias: 'bad-cloudy', deploymentPolicy: 'dp-ec2' } })] } }));
      await post('/applications', anApplication({ applicationId: 'too-big', components: { cartridges: [aSubscription('web', 'big-web', { cartridgeMin: 7, cartridgeMax: 9 })] } }));
      await post('/applications', anApplication({ applicationId: 'twice', components: { cartridges: [aSubscription('web', 'twice-web')] } }));
      await post('/applications/twice/deploy/ap-1', undefined, 202);
      await until('twice Active', async () => (await runtime('twice')).status === 'Active'); // so that row counts hold still
    });
    afterAll(async () => {
      await post('/applications/twice/undeploy?force=true', undefined, 202);
      await until('twice gone', async () => (await platform.api('GET', '/applications/twice/runtime')).status === 404);
    });

    it.each([
      ['an application policy that does not exist', '/applications/too-big/deploy/nope', 404, 'application policy "nope" does not exist', []],
      ['an application that does not exist', '/applications/nope/deploy/ap-1', 404, 'application "nope" does not exist', []],
      ['a cartridge whose IaaS has no driver', '/applications/bad-ec2/deploy/ap-ec2', 400, 'application "bad-ec2" cannot be deployed with policy "ap-ec2"', [{ path: '/components/cartridges/0/type', message: 'no driver for IaaS type "ec2" (network partition "np-ec2"): this platform runs docker, swarm, local and mock (→ local)' }]],
      ['more members than the partitions allow', '/applications/too-big/deploy/ap-1', 400, 'application "too-big" cannot be deployed with policy "ap-1"', [{ path: '/components/cartridges/0/cartridgeMin', message: '7 members do not fit the 6 that deployment policy "dp-1" allows' }]],
      ['a second deploy of a deployed application', '/applications/twice/deploy/ap-1', 409, expect.stringMatching(/^application "twice" is already deployed/), []],
      ['an undeploy of what is not deployed', '/applications/too-big/undeploy', 409, 'application "too-big" is not deployed', []],
      ['an undeploy of what does not exist', '/applications/nope/undeploy', 404, 'application "nope" does not exist', []],
    ])('%s', async (_name, path, status, message, errors) => {
      const before = await rowCounts(platform.databaseUrl);
      const response = await platform.api('POST', path);
      expect(response.status).toBe(status);
      expect(response.body.message).toEqual(message);
      expect(response.body.errors).toEqual(errors);
      expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    });

    it("refuses to remove a deployed application or its policy; a cartridge it runs changes with a warning that the deployment keeps the old one until it is upgraded", async () => {
      expect((await platform.api('DELETE', '/applications/twice')).status).toBe(409);
      expect((await platform.api('DELETE', '/applicationPolicies/ap-1')).status).toBe(409);
      const web = await platform.api('GET', '/cartridges/web');
      const change = await platform.api('PUT', '/cartridges/web', { body: { ...web.body, description: 'changed' } });
      expect(change.status).toBe(200);
      expect(change.body.warnings).toContainEqual({ path: '', message: 'the deployed application "twice" runs the cartridge as it was until it is upgraded: stratos app upgrade twice replaces its members, one partition at a time' });
      // Only its description changed: nothing for its members to run differently.
      expect((await platform.api('POST', '/applications/twice/upgrade', { body: {} })).body.clusters).toEqual([]);
    });
  });

  it('ignores agent events for members that do not exist, or that name another member', async () => {
    await post('/applications', anApplication({ applicationId: 'target', components: { cartridges: [aSubscription('web', 'tg-web')] } }));
    await post('/applications/target/deploy/ap-1', undefined, 202);
    const [member] = activeMembers(await until('target Active', async () => ((await runtime('target')).status === 'Active' ? runtime('target') : undefined)));
    const watch = await platform.watchEvents();
    const forged = (memberId: string, payloadMember: string, type = 'InstanceReadyToShutdown', eventId = `${Math.random()}`) =>
      JSON.stringify({ eventId, type, memberId: payloadMember, clusterId: member.clusterId, timestamp: new Date().toISOString() });
    if (platform.broker.memberSecret) {
      // On the embedded broker a member may speak for itself only: the broker refuses (and drops) another member's publish.
      const impostor = await mqtt.connectAsync(platform.broker.url.replace(/\/\/[^@]*@/, '//'), { username: memberBrokerUser({ memberId: 'x-1', clusterId: member.clusterId }), password: memberBrokerPassword(platform.broker.memberSecret, { memberId: 'x-1', clusterId: member.clusterId }), reconnectPeriod: 0 });
      impostor.on('error', () => undefined);
      const closed = new Promise<void>((r) => impostor.once('close', () => r()));
      await Promise.race([impostor.publishAsync(AgentTopics.events(member.memberId), forged(member.memberId, member.memberId), { qos: 1 }).catch(() => undefined), closed]);
      impostor.end(true);
    }
    const client = await mqtt.connectAsync(platform.broker.url);
    await client.publishAsync(AgentTopics.events('ghost-1'), forged('ghost-1', 'ghost-1'), { qos: 1 });
    await client.publishAsync(AgentTopics.events(member.memberId), forged(member.memberId, 'someone-else'), { qos: 1 });
    await client.publishAsync(AgentTopics.events(member.memberId), 'not json', { qos: 1 });
    // Its own event, but carrying what the platform refuses anywhere (a NUL, a prototype key): ignored, as a REST body would be refused.
    const poisoned = JSON.parse(forged(member.memberId, member.memberId)) as Record<string, unknown>;
    await client.publishAsync(AgentTopics.events(member.memberId), JSON.stringify({ ...poisoned, message: 'a\u0000b' }), { qos: 1 });
    await client.publishAsync(AgentTopics.events(member.memberId), JSON.stringify(poisoned).replace(/^\{/, '{"__proto__":{"polluted":true},'), { qos: 1 });
    // Late and repeated: a stale InstanceStarted (reordered after its activation) and one notice delivered twice (QoS 1 redelivery).
    await client.publishAsync(AgentTopics.events(member.memberId), forged(member.memberId, member.memberId, 'InstanceStarted'), { qos: 1 });
    const twice = JSON.stringify({ ...JSON.parse(forged(member.memberId, member.memberId, 'MemberNotice', 'notice-twice')), level: 'info', message: 'said twice' });
    await client.publishAsync(AgentTopics.events(member.memberId), twice, { qos: 1 });
    await client.publishAsync(AgentTopics.events(member.memberId), twice, { qos: 1 });
    // The fence: the listener handles one client's messages in order, so once this notice is recorded every one above was handled.
    const fence = JSON.stringify({ ...JSON.parse(forged(member.memberId, member.memberId, 'MemberNotice')), level: 'info', message: 'fence' });
    await client.publishAsync(AgentTopics.events(member.memberId), fence, { qos: 1 });
    await client.endAsync();
    await until('the fence notice is recorded', async () => watch.events.some((e) => e.type === 'MemberNotice' && e.payload.message === 'fence'));
    await watch.close();
    expect(watch.events.filter((e) => e.type === 'MemberNotice' && e.payload.message === 'said twice')).toHaveLength(1);
    expect(watch.events.filter((e) => e.type === 'MemberStatusChanged')).toEqual([]);
    const now = await runtime('target');
    expect(activeMembers(now).map((m) => m.memberId)).toEqual([member.memberId]);
    await post('/applications/target/undeploy', undefined, 202);
    await until('target gone', async () => (await platform.api('GET', '/applications/target/runtime')).status === 404);
  });
});
