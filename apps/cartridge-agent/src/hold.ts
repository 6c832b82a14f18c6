import type { MqttClient } from 'mqtt';
import { MemberTopics, type MemberControlMessage } from '@stratos/contracts';

/**
 * An agent launched on hold (LaunchKey.hold: a live migration's target) waits here, ready, until
 * the controller says its data is whole: it listens on its control topic first (the caller
 * subscribed to it, for good: a stop comes there too), then says it is held (`held`), so that the
 * start cannot pass it by. A start for another incarnation is not its.
 */
export async function waitForStart(options: { client: MqttClient; memberId: string; incarnation: string | null; timeoutMs: number; held: () => Promise<void> }): Promise<void> {
  const { client, memberId, incarnation, timeoutMs } = options;
  const topic = MemberTopics.control(memberId);
  let onMessage: (t: string, payload: Buffer) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no start from the controller within ${timeoutMs} ms`)), timeoutMs);
    onMessage = (t, payload) => {
      if (t !== topic) return;
      try {
        const message = JSON.parse(payload.toString()) as Partial<MemberControlMessage>;
        if (message.type === 'start' && (message.incarnation ?? null) === incarnation) resolve();
      } catch {
        // not a control message
      }
    };
  });
  client.on('message', onMessage);
  try {
    await options.held();
    await started;
  } finally {
    clearTimeout(timer);
    client.off('message', onMessage);
  }
}
