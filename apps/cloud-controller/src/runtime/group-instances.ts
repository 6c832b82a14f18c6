/**
 * Group scaling's instances (Stratos's group instances): a group that scales (groupScalingEnabled)
 * is deployed with groupMinInstances instances, each a copy of every cluster of the group. Instance
 * 1 keeps the clusters' plain ids; instance n > 1 is `<clusterId>~g<n>` (`~` is in no id or alias,
 * so no other cluster can have it). Inside a group that scales, clusters see each other within
 * their own instance only: startup order, links in the metadata tree, termination behaviours and
 * load balancers' counts. Pure: the deploy, the reconciler, the metadata trees and the autoscaler
 * share these rules, and the unit tests pin them.
 */
import { ClusterStatus, isLeaving, type GroupInstanceRef } from '@stratos/contracts';

const INSTANCE_SUFFIX = /~g(\d+)$/;

/** The id of a cluster's copy in instance `n` of its group, from its id in any instance. */
export function groupInstanceClusterId(clusterId: string, instance: number): string {
  const base = baseClusterId(clusterId);
  return instance === 1 ? base : `${base}~g${instance}`;
}

/** The id a cluster has in its group's first instance (its own, outside a group that scales). */
export function baseClusterId(clusterId: string): string {
  return clusterId.replace(INSTANCE_SUFFIX, '');
}

type Placed = { groupInstance?: GroupInstanceRef | null };

/**
 * Whether `to` is among what `from` may depend on or link to: every cluster but another instance's
 * copy of its own scaling group (an instance's web tier talks to its own database). A cluster
 * outside the group sees every instance of it (a load balancer in front of all of them).
 */
export function sees(from: Placed, to: Placed): boolean {
  if (!from.groupInstance || !to.groupInstance) return true;
  return from.groupInstance.group !== to.groupInstance.group || from.groupInstance.instance === to.groupInstance.instance;
}

/** Where the deploy, the reconciler and the autoscaler look for it (its definition is the runtime view's too). */
export { isLeaving };

/** The instance numbers a group has now (not counting one being removed), ascending. */
export function instancesOf(group: string, clusters: (Placed & { status: ClusterStatus })[]): number[] {
  const numbers = new Set<number>();
  for (const cluster of clusters) if (cluster.groupInstance?.group === group && !isLeaving(cluster)) numbers.add(cluster.groupInstance.instance);
  return [...numbers].sort((a, b) => a - b);
}

/** The number a new instance of a group takes: the lowest free one (its clusters' volumes, where kept, are that instance's again). */
export function nextInstance(taken: number[]): number {
  let n = 1;
  while (taken.includes(n)) n++;
  return n;
}

/**
 * Rows for instance `instance` of a group, copied from the clusters of one of its instances as they
 * run now (spec, revision, bounds): Created, with no autoscaler count of their own yet.
 */
export function instanceRows<C extends { groupInstance: GroupInstanceRef | null; clusterId: string; status: ClusterStatus; desiredMembers: number | null; createdAt: Date }>(template: C[], instance: number, now: Date): C[] {
  return template.map((cluster) => ({
    ...cluster,
    clusterId: groupInstanceClusterId(cluster.clusterId, instance),
    groupInstance: { ...cluster.groupInstance!, instance },
    status: ClusterStatus.Created,
    desiredMembers: null,
    createdAt: now,
  }));
}
