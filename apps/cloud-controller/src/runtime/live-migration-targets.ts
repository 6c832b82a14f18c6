import { Injectable } from '@nestjs/common';
import { AgentEventType } from '@stratos/contracts';

export type TargetOutcome = { ok: true } | { ok: false; reason: string };

/**
 * What the agent of a live migration's target says, before its member's record is switched to
 * it: the agent listener hands over the events and health reports of an incarnation that is not
 * the member's, and the migration waits here for its target to be held (ready, waiting for its
 * data) and then Active — or to fail. Anything from an incarnation nobody waits for is dropped (a
 * former instance, frozen or killed).
 */
@Injectable()
export class LiveMigrationTargets {
  private readonly waiting = new Map<string, { incarnation: string; held: (o: TargetOutcome) => void; active: (o: TargetOutcome) => void }>();

  /** Until cancelled: the first word of each — held, then Active — or of failure, from that incarnation of the member. */
  expect(memberId: string, incarnation: string): { held: Promise<TargetOutcome>; active: Promise<TargetOutcome>; cancel(): void } {
    let held!: (o: TargetOutcome) => void;
    let active!: (o: TargetOutcome) => void;
    const heldOutcome = new Promise<TargetOutcome>((resolve) => (held = resolve));
    const activeOutcome = new Promise<TargetOutcome>((resolve) => (active = resolve));
    const entry = { incarnation, held, active };
    this.waiting.set(memberId, entry);
    return { held: heldOutcome, active: activeOutcome, cancel: () => this.waiting.get(memberId) === entry && this.waiting.delete(memberId) };
  }

  /** An event (its type, message) or a health report (its state) from an incarnation that is not the member's. */
  heard(memberId: string, incarnation: string | null, said: { type?: string; state?: string; message?: string }): void {
    const waiting = this.waiting.get(memberId);
    if (!waiting || waiting.incarnation !== incarnation) return;
    if (said.type === AgentEventType.InstanceHeld) waiting.held({ ok: true });
    else if (said.type === AgentEventType.InstanceActivated || said.state === 'active') {
      waiting.held({ ok: true });
      waiting.active({ ok: true });
    } else if (said.type === AgentEventType.InstanceActivationFailed || said.type === AgentEventType.InstanceReadyToShutdown) {
      const failed = { ok: false as const, reason: said.message ?? said.type };
      waiting.held(failed);
      waiting.active(failed);
    }
  }
}
