/** One line per topology event, in words — what `stratos topology watch` prints, for the event log and the timelines. */
import type { TopologyEvent } from '@stratos/contracts';

export function eventSubject(event: TopologyEvent): string {
  const p = event.payload as any;
  return p.member?.memberId ?? p.memberId ?? p.clusterId ?? p.cluster?.clusterId ?? p.applicationId ?? p.serviceName ?? p.artifactId ?? '';
}

export function eventApplication(event: TopologyEvent): string | null {
  const p = event.payload as any;
  return p.applicationId ?? null;
}

export function describeEvent(event: TopologyEvent): string {
  const p = event.payload as any;
  switch (event.type) {
    case 'MemberCreated':
      return `member ${p.member.memberId} created in ${p.member.networkPartitionId}/${p.member.partitionId}`;
    case 'MemberStatusChanged':
      return `member ${p.member.memberId} ${p.from ?? '?'} → ${p.member.status}${p.reason ? `: ${p.reason}` : ''}`;
    case 'MemberNotice':
      return `member ${p.memberId}: ${p.message}`;
    case 'ClusterCreated':
      return `cluster ${p.cluster.alias} (${p.cluster.clusterId}) created`;
    case 'ClusterRemoved':
      return `cluster ${p.cluster.alias} (${p.cluster.clusterId}) removed`;
    case 'ClusterStatusChanged':
      return `cluster ${p.clusterId} ${p.from} → ${p.to}`;
    case 'ClusterScaled':
      return `cluster ${p.clusterId} bounds ${p.from.min}–${p.from.max} → ${p.to.min}–${p.to.max}`;
    case 'ClusterAutoscaled':
      return `cluster ${p.clusterId} scaled ${p.direction} ${p.from} → ${p.to} (${p.metric} ${p.predicted} vs ${p.threshold})`;
    case 'GroupScaled':
      return `group ${p.group} ${p.from} → ${p.to}: ${p.reason}`;
    case 'ApplicationStatusChanged':
      return `application ${p.applicationId} ${p.from ?? '—'} → ${p.to}${p.message ? `: ${p.message}` : ''}`;
    case 'ServiceCreated':
    case 'ServiceUpdated':
    case 'ServiceRemoved':
      return `${event.type.replace('Service', 'cartridge ').toLowerCase()}: ${p.serviceName}`;
    default:
      return `${event.type} ${eventSubject(event)}`;
  }
}
