/**
 * The embedded MQTT broker (aedes, in-process) for one machine. MQTT 3.1.1 only, no shared
 * subscriptions: several controllers, or more than a few thousand agents, need Mosquitto
 * or EMQX through MQTT_URL.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { AgentTopics, ClusterTopics, memberBrokerPassword, MemberTopics, parseMemberBrokerUser, type MemberBrokerIdentity } from '@stratos/contracts';
import { describeListenError } from './ports';

export interface BrokerCredentials {
  username: string;
  password: string;
}

export interface EmbeddedBrokerHandle {
  /** mqtt://host:port (mqtts:// with TLS), without credentials. */
  url: string;
  port: number;
  /** Listens on another address too, on the same port (the platform's Docker network gateway, for its members). */
  listenAlso(host: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every client must present them (or be a member, below). */
  credentials?: BrokerCredentials;
  /** When set, member agents log in as memberBrokerUser(identity) with memberBrokerPassword(secret, identity), publish on their own topics only and read their own and their cluster's. */
  memberSecret?: string;
  /** When set, every listener speaks MQTT over TLS only (clients trust the certificate: MQTT_CA_CERT, MB_CA_CERT). */
  tls?: { cert: string; key: string };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBrokerHandle> {
  const broker = await Aedes.createBroker();
  const credentials = options.credentials;
  const members = new WeakMap<object, MemberBrokerIdentity>();
  if (credentials) {
    broker.authenticate = (client, username, password, done) => {
      const given = password?.toString() ?? '';
      const member = parseMemberBrokerUser(username);
      if (member && options.memberSecret && same(given, memberBrokerPassword(options.memberSecret, member))) {
        members.set(client, member);
        return done(null, true);
      }
      if (!member && username === credentials.username && same(given, credentials.password)) return done(null, true);
      const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
      return done(error as never, false);
    };
    // A member speaks for itself only: its own events, health and request topics (its Last Will included).
    broker.authorizePublish = (client, packet, done) => {
      const member = client ? members.get(client) : undefined;
      if (member === undefined) return done(null);
      const topic = packet.topic;
      return done(AgentTopics.ownedBy(member.memberId).includes(topic) ? null : new Error(`member ${member.memberId} may not publish on ${topic}`));
    };
    broker.authorizeSubscribe = (client, subscription, done) => {
      const member = client ? members.get(client) : undefined;
      if (member === undefined) return done(null, subscription);
      // What the controller publishes for this member alone (its part of the metadata tree, its replies), and its cluster's part.
      // Not the topology: it names every tenant's members (Mosquitto's per-member role allows it no more).
      const prefix = MemberTopics.prefix(member.memberId);
      const own = subscription.topic.startsWith(prefix) && !/[+#]/.test(subscription.topic.slice(prefix.length));
      if (own || subscription.topic === ClusterTopics.metadata(member.clusterId)) return done(null, subscription);
      return done(null, null); // refused: SUBACK 0x80, and the connection stays up, as Mosquitto does
    };
  }
  const host = options.host ?? '127.0.0.1';
  const listener = (): Server => (options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, broker.handle) : createServer(broker.handle));
  const server: Server = listener();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(describeListenError(error, 'embedded MQTT broker', options.port, 'MQTT_PORT')));
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const servers: Server[] = [server];
  const listening = new Set([host]);
  return {
    url: `${options.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`,
    port,
    async listenAlso(other: string) {
      if (listening.has(other)) return;
      const extra = listener();
      await new Promise<void>((resolve, reject) => {
        extra.once('error', (error) => reject(describeListenError(error, `embedded MQTT broker (on ${other})`, port, 'MQTT_PORT')));
        extra.listen(port, other, () => resolve());
      });
      listening.add(other);
      servers.push(extra);
    },
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
