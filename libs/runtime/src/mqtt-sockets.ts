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
