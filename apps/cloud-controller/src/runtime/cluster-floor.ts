/**
 * When an Active cluster becomes Inactive. Stratos's rule is "fewer Active members than the
 * minimum", which is right for a member lost, and wrong for a minimum raised on a running cluster
 * (`stratos app scale --min 3` with one member up): that is growth asked for, not a failure, and
 * must neither flip the application to Inactive nor fire a group's termination behaviour.
 *
 * So each cluster has a floor: the minimum, except while it grows to a minimum raised under it,
 * when the floor is what was up at the raise and rises with every member that comes up until it
 * reaches the minimum. Losing a member below the floor is a failure as before. The floor is the
 * controller's memory (a restarted controller starts at the minimum, Stratos's rule).
 */
import { ClusterStatus } from '@stratos/contracts';

export class ClusterFloors {
  private readonly clusters = new Map<string, { minMembers: number; floor: number }>();

  /**
   * The cluster's state after a pass that found `active` members up (Active or Suspended).
   * Created stays Created and Inactive stays Inactive until the full minimum is up.
   */
  next(cluster: { clusterId: string; status: ClusterStatus; minMembers: number }, active: number): ClusterStatus {
    let known = this.clusters.get(cluster.clusterId);
    if (!known) known = { minMembers: cluster.minMembers, floor: cluster.minMembers };
    else if (known.minMembers !== cluster.minMembers) {
      // New bounds: raised, what is up now is the floor while the cluster grows; lowered, the new minimum.
      known = { minMembers: cluster.minMembers, floor: Math.min(cluster.minMembers, Math.max(active, 0)) };
    }
    known.floor = Math.min(cluster.minMembers, Math.max(known.floor, active));
    this.clusters.set(cluster.clusterId, known);
    if (active >= cluster.minMembers) return ClusterStatus.Active;
    if (cluster.status === ClusterStatus.Active) return active >= known.floor ? ClusterStatus.Active : ClusterStatus.Inactive;
    return cluster.status;
  }

  /** A cluster gone (undeployed): forget it. */
  forget(clusterId: string): void {
    this.clusters.delete(clusterId);
  }
}
