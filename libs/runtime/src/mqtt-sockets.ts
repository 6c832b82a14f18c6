import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';

/**
 * Nagle's algorithm off on an MQTT client's socket, now and after every reconnect. Request and
 * response over MQTT are small writes in turn (a PUBACK, then the reply; a request, then the next
 * one), and with Nagle on, the second write waits for the peer's delayed ACK: about 40 ms a
 * request when one is in flight (cartridge create at 1 in flight, `BENCH_ONLY=api`: 53 ms at p50
 * with it, 11 ms without). Mosquitto's side is `set_tcp_nodelay true`; the embedded broker's is its server's.
 */
export function withoutNagle<T extends MqttClient>(client: T): T {
  const apply = () => (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  client.on('connect', apply);
  apply();
  return client;
}

/**
 * A connection's subscriptions for replies, made again at every connection by this (the client
 * made with `resubscribe: false`), and whether they stand now. mqtt.js, reconnecting, sends what
 * it queued while away before it subscribes again: a request sent then has its answer go nowhere.
 * Requests wait for listening() instead, and are sent once the answers can be heard.
 */
export class ReplySubscription {
  private subscribed: Promise<void>;
  /** Set while the replies are not heard (since the connection closed). */
  private heard: (() => void) | null = null;

  constructor(
    private readonly client: MqttClient,
    private readonly topics: string[],
  ) {
    this.subscribed = this.subscribe();
    client.on('close', () => {
      // Each failed reconnection closes again: those waiting keep the one promise.
      if (!this.heard) this.subscribed = new Promise<void>((resolve) => (this.heard = resolve));
    });
    client.on('connect', () => {
      // Not subscribed (the connection closed meanwhile): the next connect tries again.
      this.subscribe().then(
        () => {
          this.heard?.();
          this.heard = null;
        },
        () => undefined,
      );
    });
  }

  /** Resolves once the replies are heard (now, or after the broker comes back). */
  listening(): Promise<void> {
    return this.subscribed;
  }

  private async subscribe(): Promise<void> {
    await this.client.subscribeAsync(this.topics, { qos: 1 });
  }
}
