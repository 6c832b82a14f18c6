import { ApplicationStatus, ClusterStatus, type ClusterView, type GroupView, type MemberView } from '@stratos/contracts';
import type { ClusterEntity, MemberEntity } from '@stratos/persistence';
import { isLeaving } from './group-instances';

export function toMemberView(row: MemberEntity): MemberView {
  return {
    memberId: row.memberId,
    clusterId: row.clusterId,
    applicationId: row.applicationId,
    status: row.status,
    sid: row.sid,
    networkPartitionId: row.networkPartitionId,
    partitionId: row.partitionId,
    driver: row.driver,
    instanceId: row.instanceId,
    image: row.image ?? null,
    clusterRevision: row.clusterRevision ?? 0,
    host: row.host,
    ports: row.ports,
    createdAt: row.createdAt.toISOString(),
    statusChangedAt: row.statusChangedAt.toISOString(),
    health: row.health,
  };
}

export function toClusterView(row: ClusterEntity, members: MemberEntity[] = []): ClusterView {
  return {
    clusterId: row.clusterId,
    applicationId: row.applicationId,
    alias: row.alias,
    serviceName: row.serviceName,
    groupPath: row.groupPath,
    status: row.status,
    minMembers: row.minMembers,
    maxMembers: row.maxMembers,
    deploymentPolicy: row.deploymentPolicy,
    startsAfter: row.startsAfter,
    revision: row.revision ?? 0,
    groupInstance: row.groupInstance ?? null,
    members: members.map(toMemberView),
  };
}

/**
 * Group states from their clusters: Active when all are, Inactive when one failed, Terminating with
 * the application; the clusters of a group instance being removed do not count.
 */
export function groupViews(all: ClusterView[], applicationStatus: ApplicationStatus): GroupView[] {
  const clusters = all.filter((c) => !isLeaving(c));
  const paths = new Map<string, string[]>();
  for (const cluster of clusters) cluster.groupPath.forEach((_, i) => paths.set(cluster.groupPath.slice(0, i + 1).join('/'), cluster.groupPath.slice(0, i + 1)));
  return [...paths.values()].map((path) => {
    const inside = clusters.filter((c) => path.every((alias, i) => c.groupPath[i] === alias));
    const alias = path[path.length - 1];
    const instances = Math.max(1, new Set(inside.filter((c) => c.groupInstance?.group === alias).map((c) => c.groupInstance!.instance)).size);
    let status: ClusterStatus = ClusterStatus.Created;
    if (applicationStatus === ApplicationStatus.Terminating) status = ClusterStatus.Terminating;
    else if (inside.every((c) => c.status === ClusterStatus.Active)) status = ClusterStatus.Active;
    else if (inside.some((c) => c.status === ClusterStatus.Inactive)) status = ClusterStatus.Inactive;
    return { alias, groupPath: path.slice(0, -1), status, instances };
  });
}
