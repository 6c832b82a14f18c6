/**
 * The agent's events, one at a time until a controller takes each (libs/contracts event-order.ts):
 * an event is numbered in this agent process's run, sent, and sent again — at once after a
 * reconnection, else after a growing pause — until its EventAck comes; only then the next. So
 * whichever controller the broker gives it to, none sees an event ahead of one not yet applied,
 * and an event a controller lost (it died holding it, the broker restarted) is sent again.
 */
import type { AgentEvent, EventAck } from '@stratos/contracts';

/** Pauses before each new sending of an unacknowledged event; the last one repeats. */
export const RESEND_AFTER_MS = [2000, 4000, 8000, 15_000];
/** Notices beyond this many waiting are dropped (said in the log): a controller away for long must not grow the agent without end. */
export const OUTBOX_NOTICE_LIMIT = 500;

export type OutboxEvent = Omit<AgentEvent, 'run' | 'sequence'>;

interface Waiting {
  event: AgentEvent;
  payload: string;
  settle: (taken: boolean) => void;
}

export interface EventOutboxOptions {
  /** Sends one event's JSON (the broker's QoS 1; the acknowledgement that counts is the controller's). */
  publish: (payload: string) => void;
  /** Test seam: schedules a resend, returns how to cancel it. */
  schedule?: (run: () => void, ms: number) => () => void;
  log?: (line: string) => void;
}

export class EventOutbox {
  private readonly waiting: Waiting[] = [];
  private sequence = 0;
  private attempts = 0;
  private cancelResend: (() => void) | undefined;
  private closed = false;
  private readonly schedule: (run: () => void, ms: number) => () => void;

  constructor(
    readonly run: string,
    private readonly options: EventOutboxOptions,
  ) {
    this.schedule =
      options.schedule ??
      ((run, ms) => {
        const timer = setTimeout(run, ms);
        timer.unref();
        return () => clearTimeout(timer);
      });
  }

  /** Events waiting, the one being sent included. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Numbers the event and sends it when its turn comes; true once a controller took it, false if the outbox closed first or dropped it. */
  send(event: OutboxEvent): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (event.type === 'MemberNotice' && this.waiting.filter((w) => w.event.type === 'MemberNotice').length >= OUTBOX_NOTICE_LIMIT) {
      this.options.log?.(`a notice was not sent: ${OUTBOX_NOTICE_LIMIT} are waiting for a controller`);
      return Promise.resolve(false);
    }
    const numbered: AgentEvent = { ...event, run: this.run, sequence: ++this.sequence };
    return new Promise<boolean>((settle) => {
      this.waiting.push({ event: numbered, payload: JSON.stringify(numbered), settle });
      if (this.waiting.length === 1) this.sendHead();
    });
  }

  /** A controller took an event: the next one goes. An acknowledgement of anything but the head (a late duplicate) changes nothing. */
  acked(ack: Partial<EventAck>): void {
    const head = this.waiting[0];
    if (!head || ack.run !== this.run || ack.sequence !== head.event.sequence || ack.eventId !== head.event.eventId) return;
    this.waiting.shift();
    this.cancelResend?.();
    this.cancelResend = undefined;
    this.attempts = 0;
    head.settle(true);
    if (this.waiting.length > 0) this.sendHead();
  }

  /** Connected (again): what waits is sent at once, not after its pause (a controller may have lost it with the broker). */
  connected(): void {
    if (this.waiting.length === 0) return;
    this.cancelResend?.();
    this.attempts = 0;
    this.sendHead();
  }

  /** Stops sending: whatever waits is settled as not taken. */
  close(): void {
    this.closed = true;
    this.cancelResend?.();
    for (const waiting of this.waiting.splice(0)) waiting.settle(false);
  }

  private sendHead(): void {
    const head = this.waiting[0];
    if (!head || this.closed) return;
    this.options.publish(head.payload);
    const pause = RESEND_AFTER_MS[Math.min(this.attempts, RESEND_AFTER_MS.length - 1)];
    this.attempts++;
    this.cancelResend = this.schedule(() => this.sendHead(), pause);
  }
}
