/**
 * Controllers sharing the manager's requests. On a broker with shared subscriptions (Mosquitto)
 * a standing-by controller serves the requests every controller may serve (sharedRequestTopics,
 * through `$share/stratos-controllers/…`), the broker giving each request to one controller; the
 * leader's own requests stay the leader's. On aedes (MQTT 3.1.1, no `$share/`) a second controller
 * of the leader's host is refused and another host's serves no request, each saying why. Which controller served a request is read from the replies themselves
 * (`servedBy`), by a client of the broker watching the reply topics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { CONTROLLERS_SHARE_GROUP, packBundle, replyTopic, sharedRequestTopics, Topics, type AgentReply, type EventAck, type LeaderAsked, type RequestTopic } from '@stratos/contracts';
import { brokerTrust } from '@stratos/runtime';
import { availableBrokers } from '../support/brokers';
import { gapFree, topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type ControllerProcess, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

/** Every reply the broker carries on these topics: which request (its id) and which controller served it. */
async function watchReplies(platform: TestPlatform, topics: RequestTopic[]): Promise<{ replies: { topic: string; id: string; servedBy: string | undefined; ok?: boolean }[]; client: MqttClient }> {
  const client = await mqtt.connectAsync(platform.broker.url, { ...brokerTrust(platform.broker.caCert), clientId: `test-replies-${Math.random().toString(16).slice(2)}` });
  const replies: { topic: string; id: string; servedBy: string | undefined; ok?: boolean }[] = [];
  client.on('message', (topic, payload) => {
    const packet = JSON.parse(payload.toString()) as { id: string; response?: { servedBy?: string; ok?: boolean } };
    replies.push({ topic, id: packet.id, servedBy: packet.response?.servedBy, ok: packet.response?.ok });
  });
  await client.subscribeAsync(topics.map(replyTopic), { qos: 1 });
  return { replies, client };
}

describe.each(availableBrokers())('requests shared between controllers over %s', (broker) => {
  const shares = broker !== 'aedes';
  let platform: TestPlatform;
  let standby: ControllerProcess;
  /** On aedes: a second controller of the leader's host (refused), and the other host's home. */
  let refused: ControllerProcess | undefined;
  let otherHome: string | undefined;
  const cartridge = (type: string) => aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'shared-image' }] });
  const leader = async () => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      return (await client.query<{ leader: string }>('SELECT leader FROM controller_leadership')).rows[0].leader;
    } finally {
      await client.end();
    }
  };

  /** What the member's history says: its notices and the reasons of its transitions. */
  const memberSaid = async (memberId: string) => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ said: string }>(
        "SELECT type || ' ' || coalesce(payload->'member'->>'status', '') || ' ' || coalesce(payload->>'message', payload->>'reason', '') AS said FROM topology_events WHERE payload->>'memberId' = $1 OR payload->'member'->>'memberId' = $1 ORDER BY revision",
        [memberId],
      );
      return rows.map((r) => r.said);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    // No periodic pass to speak of: a pass comes from what asks for one (a deploy, an agent, a standby's LeaderAsked).
    // Agents heard from every second, silent ones Lost after 6 s: the health test below waits graces, not minutes.
    platform = await startTestPlatform({ broker, controllerProcess: true, reconcileIntervalMs: 600_000, agentKeepaliveS: 2 });
    if (!shares) {
      // On aedes a second controller of the leader's host would serve nothing: refused. Another host's is welcome (it tends that host's members).
      refused = await platform.startStandbyController({ env: { LOG_LEVEL: 'info' }, takesOver: false });
      await until('the second controller of the same host refused', async () => refused!.exitCode() !== null, 30_000);
      otherHome = await mkdtemp(join(tmpdir(), 'stratos-other-host-'));
    }
    standby = await platform.startStandbyController({ ...(otherHome ? { home: otherHome, takesOver: true } : {}), env: { LOG_LEVEL: 'info', ...(otherHome ? { STRATOS_SECRET_KEY_FILE: join(platform.home, 'secret.key') } : {}) } });
    const says = shares ? 'serving the requests controllers share' : 'serving no requests while standing by';
    await until(`the standby says "${says}"`, async () => standby.output().includes(says), 30_000);
  }, 120_000);
  afterAll(async () => {
    await platform?.stop(); // and the standby, which led since the failover below
    if (otherHome) await rm(otherHome, { recursive: true, force: true });
  }, 60_000);

  it(shares ? 'the broker gives each shared request to one controller: both serve, none twice; the leader serves its own' : "a second controller of the leader's host is refused, saying why; another host's serves no request, saying why; the leader serves every request", async () => {
    if (!shares) {
      expect(refused!.exitCode()).toBe(1);
      expect(refused!.output()).toContain(`cloud-controller: cannot start: MQTT_URL: another controller of this platform runs on this host (host id`);
      expect(refused!.output()).toContain('the broker refuses MQTT 5');
      expect(standby.output()).toContain('the broker refuses MQTT 5');
    }
    const leaderId = await leader();
    const watch = await watchReplies(platform, [Topics.cartridges.create, Topics.iaas.providers]);
    try {
      const before = await topologyRevisions(platform.databaseUrl);
      const types = Array.from({ length: 24 }, (_, i) => `shared-${i}`);
      // Four at a time: the broker's round robin sees requests while others are in flight.
      for (let i = 0; i < types.length; i += 4) await Promise.all(types.slice(i, i + 4).map((type) => platform.post('/cartridges', cartridge(type))));
      await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-shared' }));
      expect((await platform.api('GET', '/iaasProviders')).status).toBe(200);
      const listed = (await platform.api<{ type: string }[]>('GET', '/cartridges')).body.map((c) => c.type);
      expect(listed).toEqual(expect.arrayContaining(types));
      await until('every reply seen', async () => watch.replies.length >= types.length + 1, 10_000);
      const creates = watch.replies.filter((r) => r.topic === replyTopic(Topics.cartridges.create));
      // One reply per request: no request was served by two controllers.
      expect(creates).toHaveLength(types.length);
      expect(new Set(creates.map((r) => r.id)).size).toBe(types.length);
      const servers = new Set(creates.map((r) => r.servedBy));
      expect(servers.has(leaderId)).toBe(true);
      if (shares) {
        expect(servers.size).toBe(2); // the standby served some (round robin: about half)
      } else {
        expect([...servers]).toEqual([leaderId]);
      }
      // Not a shared request (the drivers this controller installed): the leader's, whatever the broker.
      expect(sharedRequestTopics.has(Topics.iaas.providers)).toBe(false);
      expect(watch.replies.filter((r) => r.topic === replyTopic(Topics.iaas.providers)).map((r) => r.servedBy)).toEqual([leaderId]);
      // Events published by two controllers: every one of them stored, revisions without a gap.
      const after = await topologyRevisions(platform.databaseUrl);
      expect(after.length - before.length).toBe(types.length); // one ServiceCreated each

      expect(after).toEqual(gapFree(after));
    } finally {
      await watch.client.endAsync(true);
    }
  }, 120_000);

  // Only where the broker shares (declared there only: on aedes there is nothing of the kind to test).
  if (shares) {
    it("new bounds served by the standby: the leader is asked for a pass, and the cluster grows", async () => {
      const leaderId = await leader();
      await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
      await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-shared', partitions: [{ id: 'p-1', partitionMax: 6 }] }] }));
      await platform.post('/applicationPolicies', anApplicationPolicy({ networkPartitions: ['np-shared'] }));
      await platform.post('/cartridges', cartridge('grows'));
      await platform.post('/applications', anApplication({ applicationId: 'grows', components: { cartridges: [aSubscription('grows', 'g-1', { cartridgeMin: 1, cartridgeMax: 6 })] } }));
      await platform.post('/applications/grows/deploy/ap-1', undefined, 202);
      const active = async (n: number) =>
        until(`${n} member(s) Active`, async () => {
          const members = (await platform.runtime('grows')).clusters[0].members;
          return members.length === n && members.every((m) => m.status === 'Active');
        }, 30_000);
      await active(1);
      const { status: _status, ...definition } = (await platform.api('GET', '/applications/grows')).body;
      const watch = await watchReplies(platform, [Topics.definitions.update]);
      try {
        // The broker takes turns: within two changes one is the standby's. A change the leader serves
        // it acts on itself; one the standby serves grows the cluster only if the leader was asked.
        let servedByStandby = false;
        for (let min = 2; min <= 4 && !servedByStandby; min++) {
          const body = { ...definition, components: { ...definition.components, cartridges: [{ ...definition.components.cartridges[0], cartridgeMin: min, cartridgeMax: 6 }] } };
          expect((await platform.api('PUT', '/applications/grows', { body })).status).toBe(200);
          await until('its reply seen', async () => watch.replies.length === min - 1, 10_000);
          servedByStandby = watch.replies[min - 2].servedBy !== leaderId;
          await active(min);
        }
        expect(servedByStandby).toBe(true);
      } finally {
        await watch.client.endAsync(true);
      }
    }, 180_000);

    it("the agents' requests and events too: members fetch their cartridge's bundle from either controller, and either applies a member's events, each once and in order", async () => {
      const leaderId = await leader();
      await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-b', networkPartitions: [{ id: 'np-shared', partitions: [{ id: 'p-1', partitionMax: 6 }] }] }));
      await platform.post('/cartridges', cartridge('bundled'));
      const bundle = packBundle([{ path: 'provision/10-ok.sh', kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\necho ok\n') }]);
      expect((await platform.api('PUT', '/cartridges/bundled/bundle', { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
      await platform.post('/applications', anApplication({ applicationId: 'bundled', components: { cartridges: [aSubscription('bundled', 'b-1', { cartridgeMin: 4, cartridgeMax: 4, subscribableInfo: { alias: 'b-1', autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-b' } })] } }));
      const client = await mqtt.connectAsync(platform.broker.url, { ...brokerTrust(platform.broker.caCert), clientId: `test-agent-replies-${Math.random().toString(16).slice(2)}` });
      const replies: AgentReply[] = [];
      const acks: (EventAck & { memberId: string })[] = [];
      client.on('message', (topic, payload) => {
        const said = JSON.parse(payload.toString()) as AgentReply | EventAck;
        if ('kind' in said && said.kind === 'event-ack') acks.push({ ...said, memberId: topic.split('/')[2] });
        else replies.push(said as AgentReply);
      });
      try {
        await client.subscribeAsync('stratos/members/+/replies', { qos: 1 });
        await platform.post('/applications/bundled/deploy/ap-1', undefined, 202);
        await until('4 members Active', async () => {
          const members = (await platform.runtime('bundled')).clusters[0].members;
          return members.length === 4 && members.every((m) => m.status === 'Active');
        }, 60_000).catch(async (error: Error) => {
          throw new Error(`${error.message}\n${await platform.story('bundled')}\nreplies: ${JSON.stringify(replies.map((r) => ({ ok: r.ok, servedBy: r.servedBy })))}\nstandby: ${standby.output()}`);
        });
        await until('4 bundle replies seen', async () => replies.length >= 4, 10_000);
        expect(replies.every((r) => r.ok)).toBe(true);
        const servers = new Set(replies.map((r) => r.servedBy));
        expect(servers.has(leaderId)).toBe(true);
        expect(servers.size).toBe(2);
        // Their events (started, bundle unpacked, activated, …): acknowledged by both controllers, each member's in its agent's order.
        expect(new Set(acks.map((a) => a.servedBy))).toEqual(servers);
        const members = (await platform.runtime('bundled')).clusters[0].members;
        for (const { memberId } of members) {
          const taken = [...new Set(acks.filter((a) => a.memberId === memberId).map((a) => a.sequence))];
          expect(taken.length).toBeGreaterThanOrEqual(3);
          expect(taken).toEqual(taken.map((_, i) => i + 1)); // acknowledged one after the other, none skipped
          const said = await memberSaid(memberId);
          // Applied once each, in order: Starting (its InstanceStarted) before Active, one of each.
          const starting = said.filter((line) => line.startsWith('MemberStatusChanged Starting'));
          const active = said.filter((line) => line.startsWith('MemberStatusChanged Active'));
          expect([starting.length, active.length]).toEqual([1, 1]);
          expect(said.indexOf(starting[0])).toBeLessThan(said.indexOf(active[0]));
          expect(said.filter((line) => line.includes('unpacked in'))).toHaveLength(1);
        }
      } finally {
        await client.endAsync(true);
      }
    }, 120_000);

    it("the agents' health too: either controller takes a report, the standby relays whom it heard; silence is still the leader's to judge", async () => {
      const members = (await platform.runtime('bundled')).clusters[0].members;
      expect(members.map((m) => m.status)).toEqual(['Active', 'Active', 'Active', 'Active']);
      const client = await mqtt.connectAsync(platform.broker.url, { ...brokerTrust(platform.broker.caCert), clientId: `test-relays-${Math.random().toString(16).slice(2)}` });
      const relays: LeaderAsked[] = [];
      client.on('message', (_topic, payload) => relays.push(JSON.parse(payload.toString()) as LeaderAsked));
      // The leader's count of the reports it took (/metrics: the leader's figures beside the manager's).
      const leaderTook = async () => {
        const text = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
        return Number(/^stratos_agent_events_total\{kind="health"\} (\d+)/m.exec(text)?.[1] ?? NaN);
      };
      try {
        await client.subscribeAsync(Topics.leader.asked, { qos: 1 });
        const before = await leaderTook();
        // The standby took reports of these members and relayed them: whom it heard, and their health for the autoscaler.
        const ids = new Set(members.map((m) => m.memberId));
        await until("the standby relayed reports of the application's members", async () => relays.some((r) => r.heard?.some((id) => ids.has(id)) && r.health?.some((h) => ids.has(h.report.memberId))), 20_000);
        await until('the leader took its share of the reports', async () => (await leaderTook()) > before, 10_000); // round robin: about half
        // One agent frozen: no more reports, and its Last Will once the broker gives up on it (1.5 keepalives).
        const [frozen, ...others] = members;
        process.kill(-Number(frozen.instanceId), 'SIGSTOP');
        const said = async (text: string) => (await memberSaid(frozen.memberId)).some((line) => line.includes(text));
        await until('its Last Will noted', async () => said('its agent disconnected (Last Will)'), 20_000);
        // A standby relaying that it heard the agent is as good as the leader hearing it: the Will is answered.
        await client.publishAsync(Topics.leader.asked, JSON.stringify({ heard: [frozen.memberId] } satisfies LeaderAsked), { qos: 1 });
        await until('its reconnection noted, from the relay', async () => said('its agent reconnected after'), 10_000);
        // Relayed no more, silent: Lost once its grace (6 s) is over, at a pass (asked for here as a standby asks) — and the
        // passes judged the others, heard by either controller: Active still.
        await until('the frozen member Lost for its silence', async () => {
          await client.publishAsync(Topics.leader.asked, JSON.stringify({ reconcile: true } satisfies LeaderAsked), { qos: 1 });
          await new Promise((resolve) => setTimeout(resolve, 500));
          return said('has not been heard from');
        }, 30_000);
        const now = (await platform.runtime('bundled')).clusters[0].members;
        expect(others.map((m) => now.find((n) => n.memberId === m.memberId)?.status)).toEqual(['Active', 'Active', 'Active']);
      } finally {
        await client.endAsync(true);
      }
    }, 120_000);

    it('scale and undeploy served by either: the leader is asked for the pass that carries them out', async () => {
      const leaderId = await leader();
      const watch = await watchReplies(platform, [Topics.applications.scale, Topics.applications.undeploy]);
      try {
        const size = async (n: number) =>
          until(`grows at ${n} member(s), all Active`, async () => {
            const members = (await platform.runtime('grows')).clusters[0].members;
            return members.length === n && members.every((m) => m.status === 'Active');
          }, 30_000);
        // Two scales in turn: the broker gives one to each controller; each is carried out.
        for (const [i, min] of [2, 3].entries()) {
          expect((await platform.api('POST', '/applications/grows/scale', { body: { alias: 'g-1', min, max: 6 } })).status).toBe(200);
          await until('its reply seen', async () => watch.replies.length === i + 1, 10_000);
          await size(min);
        }
        expect(new Set(watch.replies.map((r) => r.servedBy)).size).toBe(2);
        // Two undeploys in turn, likewise: each application goes, its members with it.
        for (const app of ['grows', 'bundled']) await platform.post(`/applications/${app}/undeploy`, undefined, 202);
        for (const app of ['grows', 'bundled']) await until(`${app} undeployed`, async () => (await platform.api('GET', `/applications/${app}/runtime`)).status === 404, 60_000);
        const undeploys = watch.replies.filter((r) => r.topic === replyTopic(Topics.applications.undeploy));
        expect(undeploys.map((r) => r.ok)).toEqual([true, true]);
        expect(new Set(undeploys.map((r) => r.servedBy)).size).toBe(2);
        expect(undeploys.map((r) => r.servedBy)).toContain(leaderId);
      } finally {
        await watch.client.endAsync(true);
      }
    }, 180_000);
  }

  if (shares) {
    it('an event a standby dies holding is not lost: its agent sends it again, and another controller applies it', async () => {
      await platform.post('/cartridges', cartridge('resent'));
      await platform.post('/applications', anApplication({ applicationId: 'resent', components: { cartridges: [aSubscription('resent', 'r-1', { cartridgeMin: 6, cartridgeMax: 6, subscribableInfo: { alias: 'r-1', autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-b' } })] } }));
      const client = await mqtt.connectAsync(platform.broker.url, { ...brokerTrust(platform.broker.caCert), clientId: `test-acks-${Math.random().toString(16).slice(2)}` });
      const acked = new Map<string, Set<number>>();
      client.on('message', (topic, payload) => {
        const said = JSON.parse(payload.toString()) as Partial<EventAck>;
        const memberId = topic.split('/')[2];
        if (said.kind === 'event-ack') acked.set(memberId, (acked.get(memberId) ?? new Set()).add(said.sequence!));
      });
      await client.subscribeAsync('stratos/members/+/replies', { qos: 1 });
      // A second standby, frozen while the members start: the broker gives it its share of their events, which it never takes; then kill -9.
      const doomed = await platform.startStandbyController({ env: { LOG_LEVEL: 'info' } });
      try {
        await until('the second standby serves its share', async () => doomed.output().includes('serving the requests controllers share'), 30_000);
        process.kill(doomed.pid, 'SIGSTOP');
        try {
          await platform.post('/applications/resent/deploy/ap-1', undefined, 202); // the leader's own request
          await until('6 members launched', async () => (await platform.runtime('resent')).clusters[0]?.members.length === 6, 30_000);
          await new Promise((resolve) => setTimeout(resolve, 3000)); // their first events sent, some of them to the frozen standby
        } finally {
          await doomed.stop('SIGKILL');
        }
        const members = (await platform.runtime('resent')).clusters[0].members;
        // Each member's first events (InstanceStarted, InstanceActivated) taken, none skipped: what went to the dead standby came again.
        // (Not its status: a member is Active by its health reports alone.)
        const taken = (memberId: string) => [...(acked.get(memberId) ?? [])].sort((x, y) => x - y);
        await until("every member's first two events taken, one after the other", async () => members.every(({ memberId }) => taken(memberId).length >= 2 && taken(memberId).every((n, i) => n === i + 1)), 60_000).catch(
          async (error: Error) => {
            throw new Error(`${error.message}\n${members.map((m) => `${m.memberId}: ${taken(m.memberId).join(',')}`).join('\n')}\n${await platform.story('resent')}`);
          },
        );
      } finally {
        await client.endAsync(true);
      }
      await platform.post('/applications/resent/undeploy', undefined, 202);
      await until('resent undeployed', async () => (await platform.api('GET', '/applications/resent/runtime')).status === 404, 60_000);
    }, 180_000);
  }

  it('kill -9 of the leader: the standby stops serving as a standby and leads, serving every request', async () => {
    const before = await leader();
    await platform.failover();
    const now = await leader();
    expect(now).not.toBe(before);
    const watch = await watchReplies(platform, [Topics.cartridges.create]);
    try {
      for (let i = 0; i < 6; i++) await platform.post('/cartridges', cartridge(`after-${i}`));
      await until('every reply seen', async () => watch.replies.length >= 6, 10_000);
      expect(watch.replies).toHaveLength(6);
      expect(new Set(watch.replies.map((r) => r.servedBy))).toEqual(new Set([now]));
    } finally {
      await watch.client.endAsync(true);
    }
    if (shares) expect(standby.output()).toContain(`$share/${CONTROLLERS_SHARE_GROUP}/`);
  }, 120_000);
});
