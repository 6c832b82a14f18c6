/**
 * The embedded MQTT broker (aedes, in-process) for one machine. MQTT 3.1.1 only, no shared
 * subscriptions: several controllers, or more than a few thousand agents, need Mosquitto
 * or EMQX through MQTT_URL.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { describeListenError } from './ports';

export interface BrokerCredentials {
  username: string;
  password: string;
}

export interface EmbeddedBrokerHandle {
  /** mqtt://host:port, without credentials. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every client must present them. */
  credentials?: BrokerCredentials;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBrokerHandle> {
  const broker = await Aedes.createBroker();
  const credentials = options.credentials;
  if (credentials) {
    broker.authenticate = (_client, username, password, done) => {
      const ok = username === credentials.username && password !== undefined && same(password.toString(), credentials.password);
      if (ok) return done(null, true);
      const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
      return done(error as never, false);
    };
  }
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(describeListenError(error, 'embedded MQTT broker', options.port, 'MQTT_PORT')));
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    stop: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
