/**
 * Rolling upgrades, the pure part: what changed between two specs of a cluster, and the next step
 * that brings its members to the current spec — one partition at a time (in the deployment
 * policy's order), one member at a time, never below the cluster's minimum: a member of the new
 * revision is launched first (one over the bounds, and over its partition's max if it must: as
 * Kubernetes' maxSurge 1, maxUnavailable 0), and a member of the old one is shut down only once
 * it is Active.
 */
import { MemberStatus, type ClusterSpec, type Placement } from '@stratos/contracts';

/** What the step needs of a member. */
export interface UpgradeMember {
  memberId: string;
  status: MemberStatus;
  sid: number;
  networkPartitionId: string;
  partitionId: string;
  clusterRevision: number;
}

export type UpgradeStep =
  /** Every live member runs the current revision. */
  | { kind: 'done' }
  /** A member of the current revision is still starting, or shutting one down now would go below the minimum. */
  | { kind: 'wait'; why: string }
  /** One more member, of the current revision, in the partition being upgraded. */
  | { kind: 'launch'; placement: Placement }
  /** A member of an older revision shut down (gracefully): its replacement is Active. */
  | { kind: 'retire'; member: UpgradeMember };

const SERVING: MemberStatus[] = [MemberStatus.Active, MemberStatus.Suspended];

/** Members of an older revision than the cluster's, among `live` ones. */
export function outdatedMembers<M extends UpgradeMember>(live: M[], revision: number): M[] {
  return live.filter((m) => m.clusterRevision < revision);
}

/**
 * The next step for a cluster at `revision` whose live members (those that run or are being
 * launched) are `live`, keeping at least `min` serving.
 */
export function nextUpgradeStep(cluster: { revision: number; minMembers: number; spec: Pick<ClusterSpec, 'placements'> }, live: UpgradeMember[]): UpgradeStep {
  const outdated = outdatedMembers(live, cluster.revision);
  if (outdated.length === 0) return { kind: 'done' };
  const migrating = live.find((m) => m.status === MemberStatus.Migrating);
  if (migrating) return { kind: 'wait', why: `member ${migrating.memberId} is being migrated` };
  const starting = live.find((m) => m.clusterRevision >= cluster.revision && !SERVING.includes(m.status));
  if (starting) return { kind: 'wait', why: `member ${starting.memberId} of revision ${cluster.revision} is ${starting.status}` };
  // The partition being upgraded: the first, in the policy's order, that still has an old member.
  const order = (m: UpgradeMember) => {
    const at = cluster.spec.placements.findIndex((p) => p.networkPartitionId === m.networkPartitionId && p.partitionId === m.partitionId);
    return at === -1 ? cluster.spec.placements.length : at; // a partition the policy no longer has: last
  };
  const current = [...outdated].sort((a, b) => order(a) - order(b) || b.sid - a.sid)[0];
  if (live.length > cluster.minMembers) {
    const serving = live.filter((m) => SERVING.includes(m.status)).length;
    const after = serving - (SERVING.includes(current.status) ? 1 : 0);
    if (after < cluster.minMembers) return { kind: 'wait', why: `${serving} member(s) serve; shutting ${current.memberId} down would leave fewer than ${cluster.minMembers}` };
    return { kind: 'retire', member: current };
  }
  const placement = cluster.spec.placements.find((p) => p.networkPartitionId === current.networkPartitionId && p.partitionId === current.partitionId) ?? cluster.spec.placements[0];
  return { kind: 'launch', placement };
}

/** How many live members a cluster keeps: its minimum, and one more while it is upgraded (the replacement that starts before an old one stops). */
/** The members a cluster should have: the autoscaler's count where it set one, within the bounds; else its minimum. */
export function targetMembers(cluster: { minMembers: number; maxMembers: number; desiredMembers?: number | null }): number {
  return Math.max(cluster.minMembers, Math.min(cluster.desiredMembers ?? cluster.minMembers, cluster.maxMembers));
}

export function membersWanted(cluster: { revision: number; minMembers: number; maxMembers: number; desiredMembers?: number | null }, live: UpgradeMember[]): number {
  return targetMembers(cluster) + (outdatedMembers(live, cluster.revision).length > 0 ? 1 : 0);
}

/** Which of more live members than wanted go first: the one the autoscaler chose, those of an older revision, then the highest slots. */
export function surplusOrder<M extends UpgradeMember & { memberId?: string }>(live: M[], revision: number, chosen?: string): M[] {
  const first = (m: M) => Number(chosen !== undefined && m.memberId === chosen);
  return [...live].sort((a, b) => first(b) - first(a) || Number(b.clusterRevision < revision) - Number(a.clusterRevision < revision) || b.sid - a.sid);
}

/**
 * What differs between a cluster's deployed spec and the one its definitions give now, as JSON
 * pointers; an image's change says from what to what (values elsewhere may be secrets: not said).
 */
export function specChanges(before: ClusterSpec, after: ClusterSpec): string[] {
  const changes: string[] = [];
  const walk = (a: unknown, b: unknown, pointer: string) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of [...keys].sort()) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      return;
    }
    const shown = /\/placements\/\d+\/imageId$/.test(pointer) ? `: ${String(a)} → ${String(b)}` : '';
    changes.push(`${pointer}${shown}`);
  };
  // Which autoscaling policy applies is not what members are launched from: no reason to replace them.
  walk({ ...before, autoscalingPolicy: undefined }, { ...after, autoscalingPolicy: undefined }, '');
  // An artifact's version: one line, not its name and version apart.
  return changes.map((c) => c.replace(/^(\/placements\/\d+\/artifact)\/(name|version)$/, '$1')).filter((c, i, all) => all.indexOf(c) === i);
}
