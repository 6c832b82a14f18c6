/**
 * Members whose agent's Last Will came: they are Lost only if the agent stays silent for the
 * grace (3× its keepalive) — a broker restart or a network blip disconnects every agent at once,
 * and each reconnects within seconds. Pure bookkeeping; the listener and the reconciler act on it.
 */
export class AgentSilence {
  private readonly since = new Map<string, number>();

  /** The agent's Last Will: silent from `at` on (the first Will counts; a second changes nothing). */
  disconnected(memberId: string, at: number): void {
    if (!this.since.has(memberId)) this.since.set(memberId, at);
  }

  /** The agent spoke: no longer silent. Returns how long it was (ms), or undefined if it was not. */
  heard(memberId: string, at: number): number | undefined {
    const since = this.since.get(memberId);
    if (since === undefined) return undefined;
    this.since.delete(memberId);
    return Math.max(0, at - since);
  }

  /** Members silent for longer than the grace at `now`, with how long. */
  overdue(now: number, graceMs: number): { memberId: string; silentMs: number }[] {
    return [...this.since].filter(([, since]) => now - since > graceMs).map(([memberId, since]) => ({ memberId, silentMs: now - since }));
  }

  /** The member is gone (Lost, terminated): nothing to wait for. */
  forget(memberId: string): void {
    this.since.delete(memberId);
  }

  get size(): number {
    return this.since.size;
  }
}
