import { describe, expect, it } from '@jest/globals';
import type { MemberView, TopologyEvent } from '@stratos/contracts';
import { TopologyModel } from './topology-model';

let revision = 10;
const at = '2026-12-03T10:00:00.000Z';
const event = (type: string, payload: unknown): TopologyEvent => ({ eventId: `e${revision}`, revision: ++revision, type, timestamp: at, payload }) as TopologyEvent;
const member = (memberId: string, status: string, sid = 1): MemberView =>
  ({ memberId, clusterId: 'c1', applicationId: 'app', status, sid, networkPartitionId: 'np', partitionId: 'p', driver: 'local', instanceId: '1', image: null, clusterRevision: 0, host: '127.42.0.1', ports: [], createdAt: at, statusChangedAt: at }) as MemberView;
const cluster = { clusterId: 'c1', applicationId: 'app', alias: 'web', serviceName: 'php', groupPath: [], status: 'Created', minMembers: 1, maxMembers: 2, deploymentPolicy: 'd', startsAfter: [], revision: 0, groupInstance: null };

function deployed(): TopologyModel {
  const model = TopologyModel.from({ revision, applications: [] });
  model.apply(event('ApplicationStatusChanged', { applicationId: 'app', from: null, to: 'Created' }));
  model.apply(event('ClusterCreated', { applicationId: 'app', cluster }));
  model.apply(event('MemberCreated', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Created') }));
  model.apply(event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Active'), from: 'Created' }));
  return model;
}

describe('TopologyModel', () => {
  it('builds application → cluster → members from the events of a deploy', () => {
    const model = deployed();
    const application = model.applications.get('app')!;
    expect(application.clusters.map((c) => c.alias)).toEqual(['web']);
    expect(application.clusters[0].members.map((m) => [m.memberId, m.status])).toEqual([['m1', 'Active']]);
    expect(model.history.get('m1')!.map((t) => [t.from, t.to])).toEqual([[null, 'Created'], ['Created', 'Active']]);
  });

  it('keeps a Lost member’s reason and its history after it is gone, while its replacement takes its slot', () => {
    const model = deployed();
    model.apply(event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Lost'), from: 'Active', reason: 'its local instance 1 is gone' }));
    model.apply(event('MemberCreated', { applicationId: 'app', clusterId: 'c1', member: member('m2', 'Created') }));
    model.apply(event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Terminated'), from: 'Lost' }));
    model.apply(event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m2', 'Active'), from: 'Created' }));
    expect(model.applications.get('app')!.clusters[0].members.map((m) => [m.memberId, m.status])).toEqual([['m2', 'Active']]);
    expect(model.history.get('m1')!.find((t) => t.to === 'Lost')!.reason).toBe('its local instance 1 is gone');
    expect(model.history.get('m1')!.at(-1)!.to).toBe('Terminated');
  });

  it('shows a cluster\'s crash loop from its ClusterCrashes events, and its end', () => {
    const model = deployed();
    const crashes = { inARow: 2, lastMemberId: 'm1', lastReason: 'the start command exited (code 3)', lastAt: at, nextLaunchAt: at };
    model.apply(event('ClusterCrashes', { applicationId: 'app', clusterId: 'c1', crashes }));
    expect(model.applications.get('app')!.clusters[0].crashes).toEqual(crashes);
    model.apply(event('ClusterCrashes', { applicationId: 'app', clusterId: 'c1', crashes: null }));
    expect(model.applications.get('app')!.clusters[0].crashes).toBeNull();
  });

  it('ignores an event at or below its revision (already in the snapshot, or a duplicate delivery)', () => {
    const model = deployed();
    const before = model.version;
    const stale = { ...event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Lost'), from: 'Active' }), revision: model.revision };
    expect(model.apply(stale)).toBe(false);
    expect(model.version).toBe(before);
    expect(model.applications.get('app')!.clusters[0].members[0].status).toBe('Active');
  });

  it('removes an application once Terminated, and a cluster once removed', () => {
    const model = deployed();
    model.apply(event('ClusterRemoved', { applicationId: 'app', cluster }));
    expect(model.applications.get('app')!.clusters).toEqual([]);
    model.apply(event('ApplicationStatusChanged', { applicationId: 'app', from: 'Terminating', to: 'Terminated' }));
    expect(model.applications.size).toBe(0);
  });

  it('puts health on the member it names, and keeps it across a status change', () => {
    const model = deployed();
    const health = { loadAverage: 0.5, memoryConsumption: 12, timestamp: at };
    model.applyHealth({ members: [{ applicationId: 'app', clusterId: 'c1', memberId: 'm1', health }] });
    model.apply(event('MemberStatusChanged', { applicationId: 'app', clusterId: 'c1', member: member('m1', 'Suspended'), from: 'Active' }));
    expect(model.applications.get('app')!.clusters[0].members[0].health).toEqual(health);
  });

  it('asks once for the summary of an application that appeared through events, and keeps the events’ clusters', () => {
    const model = deployed();
    expect(model.takeUnsummarised()).toEqual(['app']);
    expect(model.takeUnsummarised()).toEqual([]);
    model.mergeSummary({ applicationId: 'app', tenantId: null, status: 'Active', policyId: 'single-machine', deployedAt: at, groups: [{ alias: 'g', groupPath: [], status: 'Active', instances: 1 }], clusters: [] });
    const application = model.applications.get('app')!;
    expect([application.policyId, application.groups.length, application.clusters.length]).toEqual(['single-machine', 1, 1]);
  });

  it('counts members across applications (the 1,000-member view)', () => {
    const model = TopologyModel.from({ revision: 1, applications: [{ applicationId: 'a', tenantId: null, status: 'Active', policyId: 'p', deployedAt: at, groups: [], clusters: [{ ...cluster, members: Array.from({ length: 1000 }, (_, i) => member(`m${i}`, 'Active', i)) }] as any }] });
    expect(model.memberCount()).toBe(1000);
  });
});
