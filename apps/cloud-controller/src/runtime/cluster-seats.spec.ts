import fc from 'fast-check';
import { LIVE_MEMBER_STATES, MemberStatus } from '@stratos/contracts';
import { ClusterSeats, type SeatedMember } from './cluster-seats';

const seated = (sid: number, overrides: Partial<SeatedMember> = {}): SeatedMember => ({ clusterId: 'app.web', status: MemberStatus.Active, sid, networkPartitionId: 'np', partitionId: 'p1', ...overrides });

describe("a cluster's seats", () => {
  it("counts the cluster's live members per partition, not other clusters' nor terminated ones", () => {
    const seats = ClusterSeats.of(
      [seated(1), seated(2, { partitionId: 'p2' }), seated(3), seated(4, { status: MemberStatus.Terminated }), seated(5, { clusterId: 'app.db' }), seated(6, { status: MemberStatus.Migrating, partitionId: 'p2' })],
      'app.web',
    );
    expect(seats.counts).toEqual(new Map([['np/p1', 2], ['np/p2', 2]]));
    expect(seats.freeSlot()).toBe(4); // 4 was a terminated member's: free again
  });

  it('gives the lowest free slot, and follows the members launched since', () => {
    const seats = ClusterSeats.of([seated(1), seated(2), seated(4)], 'app.web');
    expect(seats.freeSlot()).toBe(3);
    seats.add(seated(3));
    expect(seats.freeSlot()).toBe(5);
    seats.add(seated(5, { partitionId: 'p2' }));
    expect(seats.freeSlot()).toBe(6);
    expect(seats.counts).toEqual(new Map([['np/p1', 4], ['np/p2', 1]]));
  });

  it('answers as a scan of every member would, after any launches', () => {
    const statuses = Object.values(MemberStatus);
    const member = fc.record({ sid: fc.integer({ min: 1, max: 40 }), status: fc.constantFrom(...statuses), clusterId: fc.constantFrom('app.web', 'app.db'), partitionId: fc.constantFrom('p1', 'p2') });
    fc.assert(
      fc.property(fc.array(member, { maxLength: 60 }), fc.array(fc.constantFrom('p1', 'p2'), { maxLength: 30 }), (initial, launches) => {
        const members: SeatedMember[] = initial.map((m) => ({ ...m, networkPartitionId: 'np' }));
        const seats = ClusterSeats.of(members, 'app.web');
        const scan = () => {
          const live = members.filter((m) => m.clusterId === 'app.web' && LIVE_MEMBER_STATES.includes(m.status));
          const counts = new Map<string, number>();
          for (const m of live) counts.set(`np/${m.partitionId}`, (counts.get(`np/${m.partitionId}`) ?? 0) + 1);
          let sid = 1;
          while (live.some((m) => m.sid === sid)) sid++;
          return { counts, sid };
        };
        for (const partitionId of launches) {
          expect({ counts: seats.counts, sid: seats.freeSlot() }).toEqual(scan());
          const launched: SeatedMember = { clusterId: 'app.web', status: MemberStatus.Created, sid: seats.freeSlot(), networkPartitionId: 'np', partitionId };
          members.push(launched);
          seats.add(launched);
        }
        expect({ counts: seats.counts, sid: seats.freeSlot() }).toEqual(scan());
      }),
      { seed: 32, numRuns: 300 },
    );
  });
});
