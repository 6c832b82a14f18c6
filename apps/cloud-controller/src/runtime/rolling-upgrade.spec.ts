import fc from 'fast-check';
import { MemberStatus, type ClusterSpec, type Placement } from '@stratos/contracts';
import { membersWanted, nextUpgradeStep, specChanges, surplusOrder, targetMembers, type UpgradeMember } from './rolling-upgrade';

const placement = (partitionId: string): Placement => ({ networkPartitionId: 'np', partitionId, partitionMax: null, provider: 'mock', driver: 'mock', imageId: 'i' });
const member = (memberId: string, partitionId: string, sid: number, clusterRevision: number, status: MemberStatus = MemberStatus.Active): UpgradeMember => ({
  memberId,
  status,
  sid,
  networkPartitionId: 'np',
  partitionId,
  clusterRevision,
});

/**
 * Runs an upgrade to its end as the reconciler would: each step applied, a launched member coming
 * up Active at the following pass. Returns what happened, and checks at every point that at least
 * `min` members serve.
 */
function rollOut(partitions: string[], members: UpgradeMember[], min: number): { retired: UpgradeMember[]; launched: string[]; steps: number } {
  const cluster = { revision: 1, minMembers: min, spec: { placements: partitions.map(placement) } };
  let live = [...members];
  const retired: UpgradeMember[] = [];
  const launched: string[] = [];
  let next = 100;
  for (let steps = 0; steps < 1000; steps++) {
    const serving = live.filter((m) => m.status === MemberStatus.Active).length;
    expect(serving).toBeGreaterThanOrEqual(Math.min(min, members.length));
    const step = nextUpgradeStep(cluster, live);
    if (step.kind === 'done') return { retired, launched, steps };
    if (step.kind === 'wait') {
      // What the wait is for comes up.
      live = live.map((m) => (m.status === MemberStatus.Starting ? { ...m, status: MemberStatus.Active } : m));
    } else if (step.kind === 'launch') {
      const taken = new Set(live.map((m) => m.sid));
      let sid = 1;
      while (taken.has(sid)) sid++;
      live.push(member(`new-${next++}`, step.placement.partitionId, sid, 1, MemberStatus.Starting));
      launched.push(step.placement.partitionId);
    } else {
      retired.push(step.member);
      live = live.filter((m) => m.memberId !== step.member.memberId);
    }
    expect(live.length).toBeLessThanOrEqual(membersWanted({ maxMembers: cluster.minMembers, ...cluster }, live) + 1);
  }
  throw new Error('the upgrade did not finish');
}

describe('nextUpgradeStep', () => {
  it('replaces members one partition at a time, in the policy’s order, launching before it retires, never below min', () => {
    const members = [member('a1', 'p-1', 1, 0), member('b1', 'p-2', 2, 0), member('a2', 'p-1', 3, 0), member('b2', 'p-2', 4, 0)];
    const { retired, launched } = rollOut(['p-1', 'p-2'], members, 4);
    expect(retired.map((m) => m.memberId)).toEqual(['a2', 'a1', 'b2', 'b1']);
    expect(launched).toEqual(['p-1', 'p-1', 'p-2', 'p-2']);
  });

  it('waits while the replacement starts, and while retiring would leave fewer than min serving', () => {
    const cluster = { revision: 2, minMembers: 2, spec: { placements: [placement('p-1')] } };
    expect(nextUpgradeStep(cluster, [member('old-1', 'p-1', 1, 1), member('old-2', 'p-1', 2, 1), member('new', 'p-1', 3, 2, MemberStatus.Starting)])).toEqual({ kind: 'wait', why: 'member new of revision 2 is Starting' });
    // An old member that is not serving (it is starting itself) goes first: the serving ones stay.
    expect(nextUpgradeStep(cluster, [member('old-1', 'p-1', 1, 1), member('old-2', 'p-1', 2, 1, MemberStatus.Starting), member('new', 'p-1', 3, 2)]).kind).toBe('retire');
    expect(nextUpgradeStep(cluster, [member('old-1', 'p-1', 1, 1, MemberStatus.InMaintenance), member('old-2', 'p-1', 2, 1), member('new', 'p-1', 3, 2)])).toMatchObject({ kind: 'wait' });
    expect(nextUpgradeStep(cluster, [member('new-1', 'p-1', 1, 2), member('new-2', 'p-1', 2, 2)])).toEqual({ kind: 'done' });
    // A member being migrated is left to its migration: the upgrade waits for it.
    expect(nextUpgradeStep(cluster, [member('old-1', 'p-1', 1, 1, MemberStatus.Migrating), member('old-2', 'p-1', 2, 1), member('new', 'p-1', 3, 2)])).toEqual({ kind: 'wait', why: 'member old-1 is being migrated' });
  });

  it('puts a partition the policy no longer names last, and launches its replacement in the first partition', () => {
    const cluster = { revision: 1, minMembers: 1, spec: { placements: [placement('p-1')] } };
    expect(nextUpgradeStep(cluster, [member('gone', 'p-old', 1, 0)])).toEqual({ kind: 'launch', placement: placement('p-1') });
  });

  it('finishes any upgrade with every member replaced once and never fewer than min serving (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), (partitionCount, where) => {
        const partitions = Array.from({ length: partitionCount }, (_, i) => `p-${i + 1}`);
        const members = where.map((p, i) => member(`old-${i}`, partitions[p % partitionCount], i + 1, 0));
        const { retired, launched } = rollOut(partitions, members, members.length);
        expect(retired.map((m) => m.memberId).sort()).toEqual(members.map((m) => m.memberId).sort());
        expect(launched).toHaveLength(members.length);
        // One partition at a time: once a partition's first old member goes, the partitions before it have none left.
        const order = retired.map((m) => partitions.indexOf(m.partitionId));
        expect([...order].sort((a, b) => a - b)).toEqual(order);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('surplusOrder and membersWanted', () => {
  it('keeps one member over min while old members remain, and shuts old ones down first', () => {
    const live = [member('new', 'p-1', 3, 1), member('old-1', 'p-1', 1, 0), member('old-2', 'p-1', 2, 0)];
    expect(membersWanted({ revision: 1, minMembers: 2, maxMembers: 4 }, live)).toBe(3);
    expect(membersWanted({ revision: 1, minMembers: 2, maxMembers: 4 }, [member('new', 'p-1', 3, 1)])).toBe(2);
    expect(surplusOrder(live, 1).map((m) => m.memberId)).toEqual(['old-2', 'old-1', 'new']);
  });

  it("follows the autoscaler's count within the bounds, and shuts down the member it chose first", () => {
    const live = [member('a', 'p-1', 1, 0), member('b', 'p-1', 2, 0), member('c', 'p-1', 3, 0)];
    expect(targetMembers({ minMembers: 1, maxMembers: 4, desiredMembers: null })).toBe(1);
    expect(targetMembers({ minMembers: 1, maxMembers: 4, desiredMembers: 3 })).toBe(3);
    expect(targetMembers({ minMembers: 2, maxMembers: 4, desiredMembers: 1 })).toBe(2); // a raised minimum wins
    expect(targetMembers({ minMembers: 1, maxMembers: 2, desiredMembers: 4 })).toBe(2); // a lowered maximum too
    expect(membersWanted({ revision: 0, minMembers: 1, maxMembers: 4, desiredMembers: 2 }, live)).toBe(2);
    expect(surplusOrder(live, 0, 'a').map((m) => m.memberId)).toEqual(['a', 'c', 'b']);
  });
});

describe('specChanges', () => {
  const spec = (over: Partial<ClusterSpec> = {}): ClusterSpec => ({
    cartridgeType: 'web',
    multiTenant: false,
    ports: [{ protocol: 'http', port: 80 }],
    payload: { MB_PASSWORD: 'secret-1' },
    placements: [{ ...placement('p-1'), imageId: 'sha256:aaa', artifact: { name: 'web', version: '1.0' } }],
    partitionAlgorithm: 'round-robin',
    applicationAlgorithm: 'one-after-another',
    volumes: [],
    termination: { behaviour: 'terminate-none', scope: 'application' },
    ...over,
  });

  it('names what changed by its pointer; an image from what to what; never a value elsewhere', () => {
    expect(specChanges(spec(), spec())).toEqual([]);
    const upgraded = spec({ payload: { MB_PASSWORD: 'secret-2' }, placements: [{ ...placement('p-1'), imageId: 'sha256:bbb', artifact: { name: 'web', version: '2.0' } }] });
    const changes = specChanges(spec(), upgraded);
    expect(changes).toEqual(['/payload/MB_PASSWORD', '/placements/0/artifact', '/placements/0/imageId: sha256:aaa → sha256:bbb']);
    expect(changes.join(' ')).not.toContain('secret');
  });
});
