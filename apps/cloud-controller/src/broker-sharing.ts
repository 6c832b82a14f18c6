import { brokerTrust } from '@stratos/runtime';
import mqtt, { type IConnackPacket } from 'mqtt';

export type BrokerSharing = { shares: true } | { shares: false; reason: string };

/**
 * Whether the broker gives a `$share/<group>/…` subscription's messages to one subscriber of the
 * group, asked as MQTT 5 asks it: a CONNACK says "shared subscriptions not available" when it
 * has none, and says nothing when it has them. A broker that refuses MQTT 5 (aedes) has none —
 * and would take `$share/…` for a plain topic filter that nothing is published to, so the
 * requests subscribed so would be lost: sharing is used only where the broker says it shares.
 * Every controller must come to the same answer (a leader subscribing plain beside standbys
 * subscribing shared would serve each request twice), so a broker that does not answer is asked
 * again until it does.
 */
export async function brokerSharing(url: string, caCert: string | undefined, options: { timeoutMs?: number; onUnreachable?: (why: string) => void; signal?: AbortSignal } = {}): Promise<BrokerSharing> {
  for (;;) {
    const answer = await askOnce(url, caCert, options.timeoutMs ?? 5000);
    if (answer !== 'unreachable' && !('unreachable' in answer)) return answer;
    options.onUnreachable?.(answer === 'unreachable' ? 'no answer' : answer.unreachable);
    if (options.signal?.aborted) throw new Error('stopped while asking the broker whether it shares subscriptions');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function askOnce(url: string, caCert: string | undefined, timeoutMs: number): Promise<BrokerSharing | 'unreachable' | { unreachable: string }> {
  const client = mqtt.connect(url, {
    ...brokerTrust(caCert),
    protocolVersion: 5,
    clientId: `stratos-cc-probe-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
  });
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve('unreachable'), timeoutMs);
      client.once('connect', (connack: IConnackPacket) => {
        clearTimeout(timer);
        resolve(connack.properties?.sharedSubscriptionAvailable === false ? { shares: false, reason: 'the broker says shared subscriptions are not available' } : { shares: true });
      });
      client.once('error', (error: Error & { code?: unknown }) => {
        clearTimeout(timer);
        // A CONNACK's refusal (a numeric code) is the broker's answer; a socket's error is not.
        resolve(typeof error.code === 'number' ? { shares: false, reason: `the broker refuses MQTT 5 (${error.message}): no shared subscriptions` } : { unreachable: error.message });
      });
      client.once('close', () => {
        clearTimeout(timer);
        resolve('unreachable');
      });
    });
  } finally {
    client.end(true);
  }
}
