/**
 * Health reports waiting in the agent listener's queue, at most one per member. A report that
 * comes while an earlier one of the same member still waits takes its place — the earlier is
 * dropped: a report is a statistic that the next one supersedes (QoS 0) — and keeps that place
 * among the member's events. However far behind the controller falls (a burst of launches brings
 * thousands of events, each a transaction), the queue holds at most one report per member.
 */
export class WaitingHealth<T> {
  private readonly waiting = new Map<string, T>();

  /** True when the report is to be queued (none of its member's waits); false when it took the place of one that waits. */
  offer(memberId: string, report: T): boolean {
    const queued = !this.waiting.has(memberId);
    this.waiting.set(memberId, report);
    return queued;
  }

  /** The member's latest report, as its place in the queue comes; no longer waiting. */
  take(memberId: string): T | undefined {
    const report = this.waiting.get(memberId);
    this.waiting.delete(memberId);
    return report;
  }

  get size(): number {
    return this.waiting.size;
  }
}
