/**
 * The agent's broker connection over Stratos's MB_URLS: a comma-separated list of brokers, tried
 * in turn at start and whenever the connection drops (each reconnect moves to the next), so a
 * member follows its platform to another broker of a bridged or clustered pair.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MemberTopics, parseMemberCredentialsMessage } from '@stratos/contracts';

export interface BrokerAddress {
  protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss' | 'tcp';
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, tcp: 1883, mqtts: 8883, ws: 80, wss: 443 };

/** MB_URLS as addresses; throws naming the entry that is not a broker URL. */
export function parseBrokerUrls(list: string): BrokerAddress[] {
  const entries = list.split(',').map((u) => u.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('MB_URLS names no broker');
  return entries.map((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`MB_URLS: "${entry}" is not a URL (mqtt://host:port)`);
    }
    const protocol = url.protocol.replace(/:$/, '');
    if (!(protocol in DEFAULT_PORTS)) throw new Error(`MB_URLS: "${entry}" uses ${protocol}:, not one of ${Object.keys(DEFAULT_PORTS).join(', ')}`);
    return { protocol: protocol as BrokerAddress['protocol'], host: url.hostname, port: url.port ? Number(url.port) : DEFAULT_PORTS[protocol] };
  });
}

/** Connects to the first broker of the list that answers; rejects after `timeoutMs` naming them all. */
export function connectToBrokers(brokers: BrokerAddress[], options: IClientOptions & { timeoutMs: number; onError(message: string): void }): Promise<MqttClient> {
  const { timeoutMs, onError, ...clientOptions } = options;
  const client = mqtt.connect({ ...clientOptions, servers: brokers.map((b) => ({ host: b.host, port: b.port, protocol: b.protocol })), protocol: brokers[0].protocol, host: brokers[0].host, port: brokers[0].port });
  client.on('error', (error) => onError(error.message));
  // Nagle off (as the platform's own clients: @stratos/runtime withoutNagle): an event and the next are small writes in turn.
  client.on('connect', () => (client.stream as Partial<import('node:net').Socket>).setNoDelay?.(true));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`no broker answered within ${timeoutMs} ms (${brokers.map((b) => `${b.protocol}://${b.host}:${b.port}`).join(', ')})`));
    }, timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve(client);
    });
  });
}

/** A CONNACK that refuses who the agent is (MQTT 3.1.1: bad user name or password, not authorized; MQTT 5: the same, 134 and 135). */
export function isIdentityRefusal(error: Error & { code?: unknown }): boolean {
  return error.message.startsWith('Connection refused') && [4, 5, 134, 135].includes(error.code as number);
}

/**
 * When the broker has stopped taking the member's identity for good: it worked (the agent was
 * connected), then every attempt since was refused, at least `minRefusals` times over at least
 * `stopAfterMs`. The platform removes a member's identity when it terminates the member; an
 * agent cut off then (its host apart from the controller) finds out so, and stops its workload
 * rather than run on unseen. A refusal that ends (a password changed under it, then given) is
 * forgotten at the next connect.
 */
export class IdentityRefusals {
  private since: number | null = null;
  private count = 0;

  constructor(
    private readonly stopAfterMs: number,
    private readonly minRefusals = 3,
  ) {}

  /** One more refusal at `at`; true when the identity counts as removed. */
  refused(at: number): boolean {
    this.since ??= at;
    this.count += 1;
    return this.count >= this.minRefusals && at - this.since >= this.stopAfterMs;
  }

  connected(): void {
    this.since = null;
    this.count = 0;
  }

  /** The first refusal of the current run, or null. */
  get refusedSince(): number | null {
    return this.since;
  }
}

/** Where a connected client is, for log lines. */
export const brokerOf = (client: MqttClient) => `${client.options.protocol ?? 'mqtt'}://${client.options.host}:${client.options.port}`;

/**
 * Takes the new broker password the platform sends while it rotates members' passwords. From the
 * embedded broker (`switch: 'now'`): the agent signs in again with it at once (end, then connect:
 * a clean DISCONNECT, so no Last Will and no Lost member; its subscriptions are made again). From
 * the controller, for an external broker (`switch: 'when-signed-out'`): the agent keeps it for its
 * next sign-in and says it has it; the broker then signs the member out as it changes the password
 * (Mosquitto's dynamic security does so without the Will), and the reconnect uses the new one.
 * A broker that rotates nothing may refuse the subscription: nothing is lost then.
 */
export async function followCredentialRotation(client: MqttClient, memberId: string, on: { received(rotationId: string | undefined): void; switched(rotationId: string | undefined): void }): Promise<void> {
  const topic = MemberTopics.credentials(memberId);
  client.on('message', (received, payload) => {
    if (received !== topic) return;
    const message = parseMemberCredentialsMessage(payload.toString());
    if (!message || message.password === client.options.password) return;
    client.options.password = message.password;
    client.once('connect', () => on.switched(message.rotationId));
    if (message.switch === 'now') setImmediate(() => client.reconnect()); // after this message's PUBACK
    else on.received(message.rotationId);
  });
  await client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined);
}
