import { MemberStatus, type MemberPayload } from '@stratos/contracts';

/** Members of one cluster Lost in a row before any is Active, after which `--wait` stops by default. */
export const DEFAULT_START_FAILURES = 3;

/** States a member is in before it was ever Active: Lost from one of them, it failed to start. */
const NOT_YET_ACTIVE: ReadonlySet<string> = new Set([MemberStatus.Created, MemberStatus.Initialized, MemberStatus.Starting]);

/**
 * Tells a `--wait` that a cluster cannot start, instead of letting it wait out its timeout while
 * the controller replaces member after member (with a back-off: 1, 2, 4 … s) for the same reason
 * — an artifact repository out of reach, a start command that exits. Kubernetes calls this
 * CrashLoopBackOff and leaves the user to notice; here the wait ends with the cluster and the
 * last member's reason. The count is per cluster and starts again when one of its members is
 * Active; a member Lost after it was Active (killed, its host gone) did start, and is not counted.
 * `limit` 0: never stops.
 */
export class StartFailures {
  private readonly lostInARow = new Map<string, number>();

  constructor(private readonly limit: number = DEFAULT_START_FAILURES) {}

  /** Takes one member transition; returns why the wait should stop, or null. */
  observe(payload: Pick<MemberPayload, 'clusterId' | 'member' | 'from' | 'reason'>): string | null {
    const { clusterId, member, from, reason } = payload;
    if (member.status === MemberStatus.Active) {
      this.lostInARow.delete(clusterId);
      return null;
    }
    if (member.status !== MemberStatus.Lost || from === undefined || !NOT_YET_ACTIVE.has(from)) return null;
    const lost = (this.lostInARow.get(clusterId) ?? 0) + 1;
    this.lostInARow.set(clusterId, lost);
    if (this.limit <= 0 || lost < this.limit) return null;
    return `cluster ${clusterId} cannot start: ${lost} members in a row were Lost before any was Active; the last, ${member.memberId}: ${reason ?? '(no reason given)'}`;
  }
}
