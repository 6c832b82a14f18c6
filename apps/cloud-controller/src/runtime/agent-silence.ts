/**
 * Agents the controller no longer hears. A member is Lost only if its agent stays silent for the
 * grace (3× its keepalive): a broker restart or a network blip disconnects every agent at once,
 * and each reconnects within seconds. Two ways to be silent:
 * - a Last Will came (the broker saw the connection drop): silent from the Will on;
 * - nothing came at all: an agent reports health at least once a keepalive, so one not heard
 *   for the grace is gone even when no Will could reach the controller (the broker dropped the
 *   agents while the controller was disconnected too, or the agent froze while the broker was down).
 * The controller cannot hear while its own subscription is down: silence counts from the latest
 * (re)subscription at the earliest. Pure bookkeeping; the listener and the reconciler act on it.
 */
export type Silence = { memberId: string; silentMs: number; cause: 'will' | 'quiet' };

export class AgentSilence {
  private readonly willAt = new Map<string, number>();
  private readonly lastHeard = new Map<string, number>();
  /** When the controller's subscription to agents last came up; undefined: it never has. */
  private listeningSince: number | undefined;

  /** The controller (re)subscribed to the agents' topics at `at`: before that it could hear no one. */
  listening(at: number): void {
    this.listeningSince = at;
  }

  /** The agent's Last Will: silent from `at` on (the first Will counts; a second changes nothing). */
  disconnected(memberId: string, at: number): void {
    if (!this.willAt.has(memberId)) this.willAt.set(memberId, at);
  }

  /** The agent spoke at `at` (as the message arrived: a queue behind it must not make it look silent). */
  spoke(memberId: string, at: number): void {
    this.lastHeard.set(memberId, Math.max(at, this.lastHeard.get(memberId) ?? at));
  }

  /** The agent spoke (and is past its Last Will, if any). Returns how long it was silent after that Will (ms), or undefined if there was none. */
  heard(memberId: string, at: number): number | undefined {
    this.spoke(memberId, at);
    const since = this.willAt.get(memberId);
    if (since === undefined) return undefined;
    this.willAt.delete(memberId);
    return Math.max(0, at - since);
  }

  /**
   * Members silent for longer than their grace at `now`, with how long and why: every one with an
   * unanswered Will (past `willMs`), and of `connected` (past `quietMs`) (members whose agent has connected and so reports health,
   * each with when it last changed state) every one not heard from since the latest of its last
   * word, its last change of state and the controller's subscription.
   */
  overdue(now: number, graces: { willMs: number; quietMs: number }, connected: Iterable<{ memberId: string; since: number }> = []): Silence[] {
    const found: Silence[] = [...this.willAt].filter(([, since]) => now - since > graces.willMs).map(([memberId, since]) => ({ memberId, silentMs: now - since, cause: 'will' as const }));
    if (this.listeningSince === undefined) return found;
    for (const member of connected) {
      if (this.willAt.has(member.memberId)) continue;
      const since = Math.max(this.lastHeard.get(member.memberId) ?? 0, member.since, this.listeningSince);
      if (now - since > graces.quietMs) found.push({ memberId: member.memberId, silentMs: now - since, cause: 'quiet' });
    }
    return found;
  }

  /** The member is gone (Lost, terminated): nothing to wait for. */
  forget(memberId: string): void {
    this.willAt.delete(memberId);
    this.lastHeard.delete(memberId);
  }

  /** Keeps what it knows of these members only (the others are gone). */
  keepOnly(memberIds: ReadonlySet<string>): void {
    for (const map of [this.willAt, this.lastHeard]) for (const memberId of map.keys()) if (!memberIds.has(memberId)) map.delete(memberId);
  }
}
