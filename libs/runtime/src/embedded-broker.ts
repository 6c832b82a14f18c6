/**
 * The embedded MQTT broker (aedes, in-process) for one machine. MQTT 3.1.1 only, no shared
 * subscriptions: several controllers, or more than a few thousand agents, need Mosquitto
 * or EMQX through MQTT_URL.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { Client } from 'aedes';
import { AgentTopics, ClusterTopics, memberBrokerPassword, MemberTopics, parseMemberBrokerUser, type MemberBrokerIdentity, type MemberCredentialsMessage } from '@stratos/contracts';
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
  /**
   * A new member secret, the one it replaces still accepted: every member signed in with the
   * previous one is sent its new password (at once if it listens, else when it subscribes to
   * its credentials topic) and signs in again with it.
   */
  rotateMemberSecret(secrets: { current: string; previous: string }): void;
  /** Members connected with the previous secret's password (0 once they all switched), and how many were sent a new one since the start. */
  memberSecretRotation(): { onPreviousSecret: number; newPasswordsSent: number };
  /** The previous secret no longer opens the broker; members still connected with it are cut off (their count). */
  retirePreviousMemberSecret(): number;
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
  /** A member secret being rotated away from: still accepted, and its members sent their new password (see rotateMemberSecret). */
  previousMemberSecret?: string;
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
  let memberSecret = options.memberSecret;
  let previousMemberSecret = options.previousMemberSecret;
  // Members signed in (from their password's check on: a rotation may come before aedes calls them
  // ready); those signed in with the previous secret's password; those ready to be told their new one.
  const signedIn = new Set<Client>();
  const onPreviousSecret = new Set<Client>();
  const listeningForPassword = new WeakSet<Client>();
  // aedes does not say goodbye to every client it said hello to (a connection that dies before it is
  // ready; a takeover of its client id racing its own close): a closed one is dropped when next seen.
  const live = (clients: Set<Client>) => {
    for (const client of clients) if (client.closed) clients.delete(client);
    return clients;
  };
  // Ghosts pruned as the set doubles, too (no rotation may come for months): amortized, not a scan per sign-in.
  let pruneAbove = 1024;
  const signIn = (client: Client) => {
    signedIn.add(client);
    if (signedIn.size <= pruneAbove) return;
    live(signedIn);
    pruneAbove = Math.max(1024, 2 * signedIn.size);
  };
  let newPasswordsSent = 0;
  const sendNewPassword = (client: Client) => {
    const member = members.get(client);
    if (!member || !memberSecret || client.closed || !onPreviousSecret.has(client) || !listeningForPassword.has(client)) return;
    const message: MemberCredentialsMessage = { password: memberBrokerPassword(memberSecret, member), switch: 'now' };
    // To this client alone, not through the topic tree: no other subscriber (nor the platform's own clients) sees it.
    client.publish({ cmd: 'publish', topic: MemberTopics.credentials(member.memberId), payload: Buffer.from(JSON.stringify(message)), qos: 1, retain: false, dup: false, messageId: 0 }, () => undefined);
    newPasswordsSent += 1;
  };
  if (credentials) {
    broker.authenticate = (client, username, password, done) => {
      const given = password?.toString() ?? '';
      const member = parseMemberBrokerUser(username);
      if (member && memberSecret && same(given, memberBrokerPassword(memberSecret, member))) {
        members.set(client, member);
        signIn(client);
        return done(null, true);
      }
      if (member && previousMemberSecret && same(given, memberBrokerPassword(previousMemberSecret, member))) {
        members.set(client, member);
        signIn(client);
        onPreviousSecret.add(client);
        return done(null, true);
      }
      if (!member && username === credentials.username && same(given, credentials.password)) return done(null, true);
      const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
      return done(error as never, false);
    };
    broker.on('clientDisconnect', (client) => {
      signedIn.delete(client);
      onPreviousSecret.delete(client);
    });
    broker.on('subscribe', (subscriptions, client) => {
      const member = members.get(client);
      if (!member || !subscriptions.some((s) => s.topic === MemberTopics.credentials(member.memberId))) return;
      listeningForPassword.add(client);
      sendNewPassword(client);
    });
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
  // Nagle off (as Mosquitto's set_tcp_nodelay): a PUBACK and the message after it must not wait for a delayed ACK.
  const listener = (): Server => (options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, noDelay: true }, broker.handle) : createServer({ noDelay: true }, broker.handle));
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
    rotateMemberSecret(secrets) {
      memberSecret = secrets.current;
      previousMemberSecret = secrets.previous;
      // Whoever signed in with the secret just replaced is on the previous one now (one older than that is not accepted any more).
      for (const client of live(signedIn)) onPreviousSecret.add(client);
      for (const client of onPreviousSecret) sendNewPassword(client);
    },
    memberSecretRotation: () => ({ onPreviousSecret: live(onPreviousSecret).size, newPasswordsSent }),
    retirePreviousMemberSecret() {
      previousMemberSecret = undefined;
      const cutOff = [...live(onPreviousSecret)];
      onPreviousSecret.clear();
      for (const client of cutOff) client.close();
      return cutOff.length;
    },
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
