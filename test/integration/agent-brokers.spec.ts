/**
 * The agent's MB_URLS (Stratos's list of brokers): a broker that does not answer at start is
 * skipped, and when the broker it is on goes away the agent moves to the next and keeps
 * reporting. Real agents, two real (aedes) brokers that know the same member identities.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { AgentTopics, eventCursorOf, LaunchKey, memberBrokerPassword, memberBrokerUser, MemberTopics, type AgentEvent, type EventAck } from '@stratos/contracts';
import { freePort, startEmbeddedBroker, type EmbeddedBrokerHandle } from '@stratos/runtime';
import { until } from '../support/platform';
import { parseBrokerUrls } from '../../apps/cartridge-agent/src/broker-connection';

describe("the agent's broker list (MB_URLS)", () => {
  const credentials = { username: 'stratos', password: randomBytes(8).toString('hex') };
  const memberSecret = randomBytes(8).toString('hex');
  const agents: ChildProcess[] = [];
  const brokers: EmbeddedBrokerHandle[] = [];
  const watchers: MqttClient[] = [];

  afterAll(async () => {
    for (const agent of agents) agent.kill('SIGKILL');
    for (const watcher of watchers) await watcher.endAsync(true);
    for (const broker of brokers) await broker.stop().catch(() => undefined);
  });

  /** A broker, and what its agents say on it; their events acknowledged as a controller does (the agent sends the next only then). */
  async function aBroker(port = 0): Promise<{ broker: EmbeddedBrokerHandle; heard: AgentEvent[]; health: string[] }> {
    const broker = await startEmbeddedBroker({ port, credentials, memberSecret });
    brokers.push(broker);
    const watcher = await mqtt.connectAsync(broker.url, { ...credentials, reconnectPeriod: 0 });
    watchers.push(watcher);
    const heard: AgentEvent[] = [];
    const health: string[] = [];
    watcher.on('message', (topic, body) => {
      if (topic.endsWith('/health')) return health.push(topic);
      const event = JSON.parse(body.toString()) as AgentEvent;
      heard.push(event);
      const cursor = eventCursorOf(event);
      if (cursor) watcher.publish(MemberTopics.replies(event.memberId), JSON.stringify({ kind: 'event-ack', eventId: event.eventId, ...cursor } satisfies EventAck), { qos: 1 });
    });
    await watcher.subscribeAsync([AgentTopics.allEvents, AgentTopics.allHealth], { qos: 1 });
    return { broker, heard, health };
  }

  function anAgent(memberId: string, mbUrls: string): void {
    agents.push(
      spawn(process.execPath, [join(process.cwd(), 'dist/apps/cartridge-agent/src/main.js'), `--member=${memberId}`], {
        stdio: 'ignore',
        env: {
          PATH: process.env.PATH,
          [LaunchKey.applicationId]: 'a',
          [LaunchKey.serviceName]: 's',
          [LaunchKey.clusterId]: 'a.c',
          [LaunchKey.memberId]: memberId,
          [LaunchKey.mbUrls]: mbUrls,
          [LaunchKey.mbUsername]: memberBrokerUser({ memberId, clusterId: 'a.c' }),
          [LaunchKey.mbPassword]: memberBrokerPassword(memberSecret, { memberId, clusterId: 'a.c' }),
          [LaunchKey.healthIntervalMs]: '200',
        },
      }),
    );
  }

  it('skips a broker that does not answer, and moves to the next when its broker goes away', async () => {
    const dead = await freePort();
    const first = await aBroker();
    const second = await aBroker();
    anAgent('m-1', `mqtt://127.0.0.1:${dead}, ${first.broker.url},${second.broker.url}`);
    await until('the agent is active on the first broker that answers', async () => first.heard.some((e) => e.memberId === 'm-1' && e.type === 'InstanceActivated'), 20_000);
    expect(first.heard.filter((e) => e.type === 'InstanceStarted')).toHaveLength(1);

    await first.broker.stop();
    await until('its health reports reach the next broker', async () => second.health.includes(AgentTopics.health('m-1')), 20_000);
  });

  it.each([
    ['', 'MB_URLS names no broker'],
    ['localhost:1883', '"localhost:1883" uses localhost:, not one of mqtt, tcp, mqtts, ws, wss'],
    ['http://x', '"http://x" uses http:, not one of mqtt, tcp, mqtts, ws, wss'],
    ['mqtt://a,::', '"::" is not a URL (mqtt://host:port)'],
  ])('refuses MB_URLS %j, naming the entry', (list, message) => {
    expect(() => parseBrokerUrls(list)).toThrow(message);
  });
});
