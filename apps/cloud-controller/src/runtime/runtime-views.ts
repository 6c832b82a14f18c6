import type { ClusterView, MemberView } from '@stratos/contracts';
import type { ClusterEntity, MemberEntity } from '@stratos/persistence';

export function toMemberView(row: MemberEntity): MemberView {
  return {
    memberId: row.memberId,
    clusterId: row.clusterId,
    applicationId: row.applicationId,
    status: row.status,
    networkPartitionId: row.networkPartitionId,
    partitionId: row.partitionId,
    driver: row.driver,
    instanceId: row.instanceId,
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
    members: members.map(toMemberView),
  };
}
