import { brokerTrust } from '@stratos/runtime';
import { CONTROLLERS_SHARE_GROUP } from '@stratos/contracts';
import mqtt, { type IConnackPacket } from 'mqtt';

/** A topic nothing is published to: subscribed once, shared, to learn whether the broker lets the platform's user share. */
const SHARING_PROBE_TOPIC = 'stratos/cc/sharing-probe';

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
        if (connack.properties?.sharedSubscriptionAvailable === false) {
          clearTimeout(timer);
          return resolve({ shares: false, reason: 'the broker says shared subscriptions are not available' });
        }
        // And whether it lets this user share: an ACL that refuses `$share/…` would leave the shared requests unserved.
        const filter = `$share/${CONTROLLERS_SHARE_GROUP}/${SHARING_PROBE_TOPIC}`;
        client.subscribe(filter, { qos: 1 }, (error, granted) => {
          clearTimeout(timer);
          const code = granted?.[0]?.qos ?? 128;
          if (!error && code < 128) return resolve({ shares: true });
          resolve({ shares: false, reason: `the broker refuses this user the subscription ${filter} (${error?.message ?? `SUBACK ${code}`}): its ACL must let the platform's user subscribe to $share/${CONTROLLERS_SHARE_GROUP}/stratos/#` });
        });
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
