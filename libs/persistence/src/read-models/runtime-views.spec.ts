import { ApplicationStatus, ClusterStatus, type ClusterView } from '@stratos/contracts';
import { groupViews } from './runtime-views';

const cluster = (clusterId: string, groupPath: string[], status: ClusterStatus, groupInstance: ClusterView['groupInstance'] = null): ClusterView => ({
  clusterId,
  applicationId: 'app',
  alias: clusterId,
  serviceName: 'svc',
  groupPath,
  status,
  minMembers: 1,
  maxMembers: 1,
  deploymentPolicy: 'dp',
  startsAfter: [],
  revision: 0,
  groupInstance,
  members: [],
});

describe('groupViews', () => {
  it("gives each group (and each group inside one) its clusters' state: Active when all are, Inactive when one failed", () => {
    const views = groupViews([cluster('a', ['g'], ClusterStatus.Active), cluster('b', ['g', 'inner'], ClusterStatus.Inactive), cluster('c', [], ClusterStatus.Active)], ApplicationStatus.Active);
    expect(views).toEqual([
      { alias: 'g', groupPath: [], status: ClusterStatus.Inactive, instances: 1 },
      { alias: 'inner', groupPath: ['g'], status: ClusterStatus.Inactive, instances: 1 },
    ]);
  });

  it('counts a scaling group’s instances, not those of one being removed, whose clusters do not count', () => {
    const views = groupViews(
      [
        cluster('a', ['g'], ClusterStatus.Active, { group: 'g', instance: 1, minInstances: 1, maxInstances: 3 }),
        cluster('a~g2', ['g'], ClusterStatus.Active, { group: 'g', instance: 2, minInstances: 1, maxInstances: 3 }),
        cluster('a~g3', ['g'], ClusterStatus.Terminating, { group: 'g', instance: 3, minInstances: 1, maxInstances: 3 }),
      ],
      ApplicationStatus.Active,
    );
    expect(views).toEqual([{ alias: 'g', groupPath: [], status: ClusterStatus.Active, instances: 2 }]);
  });

  it('says every group Terminating with its application, and a group with a cluster not yet up Created', () => {
    expect(groupViews([cluster('a', ['g'], ClusterStatus.Active)], ApplicationStatus.Terminating)[0].status).toBe(ClusterStatus.Terminating);
    expect(groupViews([cluster('a', ['g'], ClusterStatus.Active), cluster('b', ['g'], ClusterStatus.Created)], ApplicationStatus.Active)[0].status).toBe(ClusterStatus.Created);
  });
});
