import { agentRunId, type AgentEvent } from '@stratos/contracts';
import { EventOutbox, OUTBOX_NOTICE_LIMIT, RESEND_AFTER_MS, type OutboxEvent } from './event-outbox';

/** An outbox whose sends are recorded and whose resend timers the test fires itself. */
function anOutbox() {
  const sent: AgentEvent[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  const outbox = new EventOutbox(agentRunId(1_700_000_000_000, 'r'), {
    publish: (payload) => sent.push(JSON.parse(payload) as AgentEvent),
    schedule: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  });
  const fireResend = () => {
    const live = timers.filter((t) => !t.cancelled);
    expect(live).toHaveLength(1); // one resend pending at a time
    live[0].cancelled = true;
    live[0].run();
    return live[0].ms;
  };
  const ack = (event: AgentEvent) => outbox.acked({ kind: 'event-ack', eventId: event.eventId, run: event.run!, sequence: event.sequence! });
  return { outbox, sent, timers, fireResend, ack };
}

const anEvent = (id: string, type: OutboxEvent['type'] = 'MemberNotice'): OutboxEvent => ({ eventId: id, type, memberId: 'm-1', clusterId: 'c-1', timestamp: '2026-12-05T00:00:00.000Z' });

describe('the agent event outbox', () => {
  it('numbers events in its run and sends the next only once the one before is acknowledged', async () => {
    const { outbox, sent, ack } = anOutbox();
    const first = outbox.send(anEvent('e1', 'InstanceStarted'));
    const second = outbox.send(anEvent('e2'));
    expect(sent.map((e) => [e.eventId, e.sequence])).toEqual([['e1', 1]]);
    expect(sent[0].run).toBe(outbox.run);
    ack(sent[0]);
    await expect(first).resolves.toBe(true);
    expect(sent.map((e) => [e.eventId, e.sequence])).toEqual([['e1', 1], ['e2', 2]]);
    ack(sent[1]);
    await expect(second).resolves.toBe(true);
    expect(outbox.pending).toBe(0);
  });

  it('sends an unacknowledged event again after growing pauses, and at once on a reconnection', () => {
    const { outbox, sent, fireResend, ack } = anOutbox();
    void outbox.send(anEvent('e1'));
    const pauses = [fireResend(), fireResend(), fireResend(), fireResend(), fireResend()];
    expect(pauses).toEqual([...RESEND_AFTER_MS, RESEND_AFTER_MS.at(-1)]);
    expect(sent.map((e) => e.eventId)).toEqual(['e1', 'e1', 'e1', 'e1', 'e1', 'e1']);
    outbox.connected();
    expect(sent).toHaveLength(7);
    expect(fireResend()).toBe(RESEND_AFTER_MS[0]); // the pauses start over
    ack(sent[0]);
    expect(outbox.pending).toBe(0);
  });

  it('ignores an acknowledgement of anything but the event being sent', () => {
    const { outbox, sent } = anOutbox();
    void outbox.send(anEvent('e1'));
    void outbox.send(anEvent('e2'));
    const [head] = sent;
    outbox.acked({ kind: 'event-ack', eventId: head.eventId, run: head.run, sequence: 2 });
    outbox.acked({ kind: 'event-ack', eventId: 'e2', run: head.run, sequence: 1 });
    outbox.acked({ kind: 'event-ack', eventId: head.eventId, run: agentRunId(1_600_000_000_000, 'x'), sequence: 1 });
    expect(outbox.pending).toBe(2);
    expect(sent).toHaveLength(1);
  });

  it('drops notices beyond its limit, never a state change; closing settles what waits as not taken', async () => {
    const { outbox } = anOutbox();
    const waits = Array.from({ length: OUTBOX_NOTICE_LIMIT }, (_, i) => outbox.send(anEvent(`n${i}`)));
    await expect(outbox.send(anEvent('one too many'))).resolves.toBe(false);
    const readyToShutDown = outbox.send(anEvent('bye', 'InstanceReadyToShutdown'));
    expect(outbox.pending).toBe(OUTBOX_NOTICE_LIMIT + 1);
    outbox.close();
    await expect(readyToShutDown).resolves.toBe(false);
    await expect(Promise.all(waits)).resolves.toEqual(waits.map(() => false));
    await expect(outbox.send(anEvent('after'))).resolves.toBe(false);
  });
});
