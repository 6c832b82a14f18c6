/**
 * Crash-loop back-off per cluster, as Kubernetes does for a pod: a member that never became
 * Active, or was Active only briefly, is a failure; each failure in a row doubles the wait before
 * the cluster launches again (1 s, 2 s, 4 s … at most 30 s). The count is forgotten only once the
 * cluster has been Active for a stable while after the last failure — a member that flaps
 * (Active, dead a second later) must not be relaunched in a tight loop.
 */
export interface CrashBackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Active at least this long: the member's loss is no crash of the cartridge. Also how long a cluster must stay Active to be forgiven. */
  stableMs: number;
}

export const DEFAULT_CRASH_BACKOFF: CrashBackoffOptions = { baseMs: 1000, maxMs: 30_000, stableMs: 10_000 };

export class CrashBackoff {
  private readonly clusters = new Map<string, { failures: number; lastFailureAt: number; notBefore: number }>();

  constructor(private readonly options: CrashBackoffOptions = DEFAULT_CRASH_BACKOFF) {}

  /** Whether losing a member that became Active at `activatedAt` (null: never) counts as a crash. */
  isCrash(activatedAt: number | null, lostAt: number): boolean {
    return activatedAt === null || lostAt - activatedAt < this.options.stableMs;
  }

  /** A crash in the cluster at `now`: returns how long its next launch waits. */
  failed(clusterId: string, now: number): number {
    const failures = (this.clusters.get(clusterId)?.failures ?? 0) + 1;
    const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(failures - 1, 30));
    this.clusters.set(clusterId, { failures, lastFailureAt: now, notBefore: now + delay });
    return delay;
  }

  /** When the cluster may launch again (0: now). */
  notBefore(clusterId: string): number {
    return this.clusters.get(clusterId)?.notBefore ?? 0;
  }

  mayLaunch(clusterId: string, now: number): boolean {
    return (this.clusters.get(clusterId)?.notBefore ?? 0) <= now;
  }

  /** The cluster is Active at `now`: its failures are forgiven once it has been so since stableMs after the last one. Returns whether they were, now. */
  active(clusterId: string, now: number): boolean {
    const entry = this.clusters.get(clusterId);
    if (!entry || now - entry.lastFailureAt < this.options.stableMs) return false;
    this.clusters.delete(clusterId);
    return true;
  }

  /** When an Active cluster's failures are forgiven (null: it has none). */
  forgivenAt(clusterId: string): number | null {
    const entry = this.clusters.get(clusterId);
    return entry ? entry.lastFailureAt + this.options.stableMs : null;
  }

  /** Goes on from a crash loop another controller recorded (a new leader), unless this one knows the cluster's. */
  resume(clusterId: string, recorded: { inARow: number; lastAt: number; nextLaunchAt: number }): void {
    if (this.clusters.has(clusterId)) return;
    this.clusters.set(clusterId, { failures: recorded.inARow, lastFailureAt: recorded.lastAt, notBefore: recorded.nextLaunchAt });
  }

  failures(clusterId: string): number {
    return this.clusters.get(clusterId)?.failures ?? 0;
  }

  forget(clusterId: string): void {
    this.clusters.delete(clusterId);
  }
}
