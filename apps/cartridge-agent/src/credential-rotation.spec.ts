/**
 * The member secret's rotation between the embedded broker and the agent's connection, both
 * real (aedes in-process, mqtt.js over TCP): the broker sends a member on the previous secret its
 * new password, the agent signs in again with it — no Last Will, its subscriptions kept — and once
 * the previous secret is retired its passwords are refused and a member still on it is cut off.
 */
import { createConnection } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { AgentEventType, AgentTopics, memberBrokerPassword, memberBrokerUser, MemberTopics, parseMemberCredentialsMessage } from '@stratos/contracts';
import { startEmbeddedBroker, type EmbeddedBrokerHandle } from '@stratos/runtime';
import fc from 'fast-check';
import { connectToBrokers, followCredentialRotation } from './broker-connection';

const OLD = 'old-member-secret-0123456789';
const NEW = 'new-member-secret-0123456789';
const platform = { username: 'stratos', password: 'platform-password-0123' };
const until = (ok: () => boolean) =>
  new Promise<void>((resolve) => {
    const check = () => (ok() ? resolve() : setTimeout(check, 10));
    check();
  });

describe('member credential rotation', () => {
  let broker: EmbeddedBrokerHandle;
  let observer: MqttClient;
  const seen: { topic: string; payload: string }[] = [];
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await startEmbeddedBroker({ port: 0, credentials: platform, memberSecret: OLD });
    observer = await mqtt.connectAsync(broker.url, { ...platform, clientId: 'observer', reconnectPeriod: 0 });
    seen.length = 0;
    observer.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await observer.subscribeAsync(['stratos/agents/#', 'stratos/members/#'], { qos: 1 });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true).catch(() => undefined);
    await observer.endAsync(true);
    await broker.stop();
  });

  const agent = async (memberId: string, secret: string) => {
    const identity = { memberId, clusterId: 'app.web' };
    const url = new URL(broker.url);
    const client = await connectToBrokers([{ protocol: 'mqtt', host: url.hostname, port: Number(url.port) }], {
      username: memberBrokerUser(identity),
      password: memberBrokerPassword(secret, identity),
      clientId: `agent-${memberId}`,
      reconnectPeriod: 200,
      will: { topic: AgentTopics.events(memberId), payload: Buffer.from(JSON.stringify({ type: AgentEventType.AgentDisconnected })), qos: 1, retain: false },
      timeoutMs: 5000,
      onError: () => undefined,
    });
    clients.push(client);
    const received: (string | undefined)[] = [];
    const switched = new Promise<void>((resolve) => void followCredentialRotation(client, memberId, { received: (rotationId) => received.push(rotationId), switched: () => resolve() }));
    await client.subscribeAsync(MemberTopics.metadata(memberId), { qos: 1 });
    return { client, identity, switched, received };
  };
  const signIn = async (memberId: string, secret: string) => {
    const identity = { memberId, clusterId: 'app.web' };
    try {
      const client = await mqtt.connectAsync(broker.url, { username: memberBrokerUser(identity), password: memberBrokerPassword(secret, identity), clientId: `probe-${memberId}-${Math.random()}`, reconnectPeriod: 0 });
      await client.endAsync(true);
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('sends each member on the previous secret its new password; it signs in again with it, without a Last Will, still subscribed', async () => {
    const a = await agent('web-1', OLD);
    const b = await agent('web-2', OLD);
    broker.rotateMemberSecret({ current: NEW, previous: OLD });
    await Promise.all([a.switched, b.switched]);
    expect(a.client.options.password).toBe(memberBrokerPassword(NEW, a.identity));
    expect(b.client.options.password).toBe(memberBrokerPassword(NEW, b.identity));
    expect(broker.memberSecretRotation()).toEqual({ onPreviousSecret: 0, newPasswordsSent: 2 });
    // The new password went to its member alone: the platform's own client, subscribed to everything, saw none of it.
    expect(seen.filter((m) => m.topic.endsWith('/credentials'))).toEqual([]);
    // Still subscribed after the reconnect: its metadata reaches it. And no Will was published (a clean DISCONNECT).
    const metadata = new Promise<string>((resolve) => a.client.on('message', (topic, payload) => topic === MemberTopics.metadata('web-1') && resolve(payload.toString())));
    await observer.publishAsync(MemberTopics.metadata('web-1'), 'tree', { qos: 1 });
    expect(await metadata).toBe('tree');
    await a.client.publishAsync(AgentTopics.events('web-1'), 'fence', { qos: 1 });
    await until(() => seen.some((m) => m.payload === 'fence'));
    expect(seen.filter((m) => m.payload.includes(AgentEventType.AgentDisconnected))).toEqual([]);

    // Both secrets open the broker until the previous one is retired; then only the new one does.
    expect(await signIn('web-3', OLD)).toBe('accepted');
    await until(() => broker.memberSecretRotation().onPreviousSecret === 0); // the probe's goodbye reached the broker
    expect(broker.retirePreviousMemberSecret()).toBe(0);
    expect(await signIn('web-3', OLD)).toMatch(/Bad username or password/);
    expect(await signIn('web-3', NEW)).toBe('accepted');
  });

  it('a member that signs in with the previous secret later is sent its password when it subscribes; one that never switches is cut off at retirement', async () => {
    broker.rotateMemberSecret({ current: NEW, previous: OLD });
    const late = await agent('web-4', OLD);
    await late.switched;
    expect(late.client.options.password).toBe(memberBrokerPassword(NEW, late.identity));

    // An old agent that does not listen for its password stays on the previous secret until it is retired.
    const identity = { memberId: 'web-5', clusterId: 'app.web' };
    const stale = await mqtt.connectAsync(broker.url, { username: memberBrokerUser(identity), password: memberBrokerPassword(OLD, identity), clientId: 'agent-web-5', reconnectPeriod: 0 });
    clients.push(stale);
    await stale.publishAsync(AgentTopics.events('web-5'), 'fence-5', { qos: 1 }); // it is connected (aedes counted it) once this is acknowledged
    expect(broker.memberSecretRotation().onPreviousSecret).toBe(1);
    const closed = new Promise<void>((resolve) => stale.once('close', () => resolve()));
    expect(broker.retirePreviousMemberSecret()).toBe(1);
    await closed;
    expect(broker.memberSecretRotation().onPreviousSecret).toBe(0);
  });
  it('does not wait for, nor cut off, a connection that closed unannounced (a client id taken over while its last owner closed)', async () => {
    broker.rotateMemberSecret({ current: NEW, previous: OLD });
    // An agent signs in again at once under its client id (as one does to switch passwords): aedes hands the id to the new
    // connection while the old one is still closing, and the old one's close then unregisters the new one — whose own close
    // later goes unannounced (no clientDisconnect). Raw sockets, on the previous secret's password, so that each is counted.
    const port = Number(new URL(broker.url).port);
    const raw = (memberId: string, clientId: string) => {
      const identity = { memberId, clusterId: 'app.web' };
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      const packets: string[] = [];
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', (packet) => packets.push(packet.cmd));
      socket.on('data', (data) => parser.parse(data));
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 10, clientId, username: memberBrokerUser(identity), password: Buffer.from(memberBrokerPassword(OLD, identity)) }));
      socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: MemberTopics.metadata(memberId), qos: 1 }] }));
      const acknowledged = until(() => packets.includes('suback'));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      return { socket, acknowledged, closed };
    };
    for (let i = 0; i < 10; i++) {
      const first = raw(`web-id-${i}`, `agent-web-id-${i}`);
      await first.acknowledged;
      first.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
      const second = raw(`web-id-${i}`, `agent-web-id-${i}`);
      await Promise.all([first.closed, second.acknowledged]);
      second.socket.destroy();
      await second.closed;
    }
    // A member that signs in after them on the previous secret is counted, and switches; then none is left, and retiring cuts off none.
    const late = await agent('web-8', OLD);
    await late.switched;
    await until(() => broker.memberSecretRotation().onPreviousSecret === 0);
    expect(broker.retirePreviousMemberSecret()).toBe(0);
  });

  it("keeps a password sent 'when-signed-out' for its next sign-in, says it holds it, and stays connected until the broker signs it out", async () => {
    const a = await agent('web-7', OLD);
    const next = memberBrokerPassword(NEW, a.identity);
    // The controller's part on an external broker: the password goes to the agent first (here through aedes, as the platform).
    await observer.publishAsync(MemberTopics.credentials('web-7'), JSON.stringify({ password: next, switch: 'when-signed-out', rotationId: 'rot-1' }), { qos: 1 });
    await until(() => a.received.length === 1);
    expect(a.received).toEqual(['rot-1']);
    expect(a.client.connected).toBe(true); // not signed out by itself: the broker still knows it by its old password
    expect(a.client.options.password).toBe(next);
    // The broker changes it and signs the member out (aedes: the rotation's end); it signs in with the new one.
    broker.rotateMemberSecret({ current: NEW, previous: OLD });
    broker.retirePreviousMemberSecret();
    await a.switched;
    expect(a.client.connected).toBe(true); // (aedes cuts it off with its Will; Mosquitto's dynamic security signs it out without: member-passwords.spec)
  });
});

describe('parseMemberCredentialsMessage', () => {
  it('takes a password of the shape the broker makes and nothing else (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constant('{"password":"abcdefghijklmnop"}')), (text) => {
        const parsed = parseMemberCredentialsMessage(text);
        if (parsed) expect(parsed.password).toMatch(/^[A-Za-z0-9_-]{16,200}$/);
      }),
      { seed: 11, numRuns: 500 },
    );
    expect(parseMemberCredentialsMessage(JSON.stringify({ password: memberBrokerPassword(NEW, { memberId: 'm', clusterId: 'c' }) }))).not.toBeNull();
    expect(parseMemberCredentialsMessage('{"password":"short"}')).toBeNull();
    expect(parseMemberCredentialsMessage('{"password":"has spaces in it, no"}')).toBeNull();
  });
});
