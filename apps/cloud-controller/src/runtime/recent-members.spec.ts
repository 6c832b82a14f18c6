import { MemberStatus } from '@stratos/contracts';
import type { MemberEntity } from '@stratos/persistence';
import { RecentMembers } from './recent-members';

const member = (memberId: string, status: MemberStatus = MemberStatus.Active): MemberEntity => ({
  memberId,
  clusterId: 'c-1',
  applicationId: 'a-1',
  status,
  sid: 1,
  networkPartitionId: 'np-1',
  partitionId: 'p-1',
  driver: 'local',
  instanceId: '100',
  host: '127.0.0.1',
  image: 'agent',
  clusterRevision: 0,
  incarnation: null,
  launchedOn: null,
  ports: [],
  health: null,
  createdAt: new Date(0),
  statusChangedAt: new Date(0),
  activatedAt: null,
});

describe('RecentMembers', () => {
  it('answers a row as read until it is stale, then still answers it and queues it to be read again', () => {
    const recent = new RecentMembers(10_000);
    expect(recent.get('m-1', 0)).toBeUndefined();
    recent.set('m-1', member('m-1'), 1_000);
    expect(recent.get('m-1', 10_999)).toMatchObject({ memberId: 'm-1' });
    expect(recent.staleCount).toBe(0);
    expect(recent.get('m-1', 11_000)).toMatchObject({ memberId: 'm-1' });
    expect(recent.takeStale(10)).toEqual(['m-1']);
    expect(recent.takeStale(10)).toEqual([]);
  });

  it('keeps the row of the later read, whatever order the reads end in', () => {
    const recent = new RecentMembers(10_000);
    recent.set('m-1', member('m-1', MemberStatus.Active), 2_000);
    recent.set('m-1', member('m-1', MemberStatus.Starting), 1_000); // began earlier, ended later
    expect(recent.get('m-1', 2_500)?.status).toBe(MemberStatus.Active);
    recent.refresh([member('m-1', MemberStatus.Starting)], 1_500);
    expect(recent.get('m-1', 2_500)?.status).toBe(MemberStatus.Active);
  });

  it("refreshes the rows it keeps with another reader's, stale or not, and adds none", () => {
    const recent = new RecentMembers(10_000);
    recent.set('m-1', member('m-1', MemberStatus.Starting), 0);
    recent.set('m-2', member('m-2'), 0);
    recent.get('m-1', 20_000); // stale: queued
    recent.refresh([member('m-1', MemberStatus.Active), member('m-3')], 20_000, ['m-2']);
    expect(recent.get('m-1', 25_000)?.status).toBe(MemberStatus.Active);
    expect(recent.get('m-2', 25_000)).toBeNull(); // read, and gone
    expect(recent.get('m-3', 25_000)).toBeUndefined(); // never asked for here: the first report reads it
    expect(recent.takeStale(10)).toEqual([]); // the refresh answered the queued one
  });

  it('does not bring back a forgotten row from a read that began before', () => {
    const recent = new RecentMembers(10_000);
    recent.set('m-1', member('m-1', MemberStatus.Starting), 0);
    recent.forget('m-1'); // changed here (its health said active): read again at its next report
    recent.refresh([member('m-1', MemberStatus.Starting)], 0);
    expect(recent.get('m-1', 1)).toBeUndefined();
  });

  it('reads stale rows again in batches', () => {
    const recent = new RecentMembers(1);
    for (let i = 0; i < 5; i++) recent.set(`m-${i}`, member(`m-${i}`), 0);
    for (let i = 0; i < 5; i++) recent.get(`m-${i}`, 10);
    expect(recent.takeStale(3)).toEqual(['m-0', 'm-1', 'm-2']);
    expect(recent.staleCount).toBe(2);
  });
});
