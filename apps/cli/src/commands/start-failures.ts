import type { ClusterCrashesPayload } from '@stratos/contracts';

/** Crashes in a row of one cluster's members after which `--wait` stops by default. */
export const DEFAULT_START_FAILURES = 3;

/**
 * Tells a `--wait` that a cluster cannot start, instead of letting it wait out its timeout while
 * the controller replaces member after member for the same reason — an artifact repository out
 * of reach, a start command that exits. The controller counts the crashes (a member Lost before
 * it was Active, or within 10 s of it) and says so in a ClusterCrashes event each time; Kubernetes
 * shows the same as CrashLoopBackOff and leaves the user to notice, here the wait ends with the
 * cluster and the last member's reason. `limit` 0: never stops.
 */
export class StartFailures {
  constructor(private readonly limit: number = DEFAULT_START_FAILURES) {}

  /** Takes a ClusterCrashes event's payload; returns why the wait should stop, or null. */
  observe({ clusterId, crashes }: Pick<ClusterCrashesPayload, 'clusterId' | 'crashes'>): string | null {
    if (!crashes || this.limit <= 0 || crashes.inARow < this.limit) return null;
    return `cluster ${clusterId} cannot start: its members crashed ${crashes.inARow} times in a row; the last, ${crashes.lastMemberId}: ${crashes.lastReason}`;
  }
}
