/**
 * Work queued per member: one member's tasks run one at a time, in the order they came (an agent's
 * events apply in the order it sent them); different members' run side by side, at most `limit`
 * at once, members taking their turns in the order their work came. A member with more waiting
 * goes to the back after each task, so a busy member does not hold the others up.
 *
 * Why not one queue for all: most of an event's time is waiting for PostgreSQL (a transaction for
 * its place among the member's events, another for its transition), and 10,000 members starting
 * send 20,000 of them; one after another, the last member was Active minutes after it started.
 */
export class MemberQueues {
  private readonly waiting = new Map<string, (() => Promise<void>)[]>();
  /** Members with work waiting and none running, in the order of their turns. */
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, not ${limit}`);
  }

  /** Queues the task behind the member's earlier ones. A task's failure is its own: catch it in the task. */
  push(memberId: string, task: () => Promise<void>): void {
    const tasks = this.waiting.get(memberId);
    if (tasks) tasks.push(task);
    else {
      this.waiting.set(memberId, [task]);
      if (!this.running.has(memberId)) this.ready.push(memberId);
    }
    this.pump();
  }

  /** Tasks queued or running. */
  get size(): number {
    let size = this.running.size;
    for (const tasks of this.waiting.values()) size += tasks.length;
    return size;
  }

  /** Resolves once nothing is queued or running (at shutdown). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.limit && this.ready.length > 0) {
      const memberId = this.ready.shift()!;
      const tasks = this.waiting.get(memberId)!;
      const task = tasks.shift()!;
      if (tasks.length === 0) this.waiting.delete(memberId);
      this.running.add(memberId);
      void this.run(memberId, task);
    }
  }

  private async run(memberId: string, task: () => Promise<void>): Promise<void> {
    try {
      await task();
    } catch {
      // the task's own to report
    }
    this.running.delete(memberId);
    if (this.waiting.has(memberId)) this.ready.push(memberId);
    this.pump();
    if (this.running.size === 0 && this.waiting.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
