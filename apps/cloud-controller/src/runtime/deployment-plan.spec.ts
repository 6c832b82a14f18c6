import fc from 'fast-check';
import type { ApplicationDefinition, CartridgeDefinition, CartridgeGroup, ClusterSpec, GroupSubscription, Placement } from '@stratos/contracts';
import { nextPlacement, planDeployment, withoutUnmet, type PlanInputs } from './deployment-plan';

const place = (networkPartitionId: string, partitionId: string, algorithm: Placement['algorithm'], partitionMax: number | null = null): Placement => ({ networkPartitionId, partitionId, partitionMax, provider: 'mock', driver: 'local', imageId: 'i', algorithm });
const spec = (placements: Placement[], applicationAlgorithm: ClusterSpec['applicationAlgorithm'] = 'one-after-another'): ClusterSpec =>
  ({ cartridgeType: 'c', multiTenant: false, ports: [], payload: {}, placements, partitionAlgorithm: 'one-after-another', applicationAlgorithm, volumes: [], termination: { behaviour: 'terminate-none', scope: 'application' } }) as ClusterSpec;

/** Places `n` members one after another, as the reconciler does; the partitions they went to, in order. */
function placeMany(s: ClusterSpec, n: number): string[] {
  const counts = new Map<string, number>();
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = nextPlacement(s, counts);
    if (!p) break;
    const key = `${p.networkPartitionId}/${p.partitionId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    out.push(key);
  }
  return out;
}

describe('nextPlacement', () => {
  it('round-robin spreads over the partitions; one-after-another fills the first with room first', () => {
    expect(placeMany(spec([place('np', 'a', 'round-robin'), place('np', 'b', 'round-robin')]), 4)).toEqual(['np/a', 'np/b', 'np/a', 'np/b']);
    expect(placeMany(spec([place('np', 'a', 'one-after-another', 2), place('np', 'b', 'one-after-another', 2)]), 5)).toEqual(['np/a', 'np/a', 'np/b', 'np/b']);
  });

  it("uses each network partition's own algorithm, not the first one's", () => {
    const s = spec([place('east', 'a', 'one-after-another'), place('east', 'b', 'one-after-another'), place('west', 'c', 'round-robin'), place('west', 'd', 'round-robin')], 'all-at-once');
    // all-at-once: the emptier network partition each time; inside west, round-robin; inside east, the first partition.
    expect(placeMany(s, 6)).toEqual(['east/a', 'west/c', 'east/a', 'west/d', 'east/a', 'west/c']);
  });

  it('one-after-another over network partitions fills the first before the next, and says when all are full', () => {
    const s = spec([place('east', 'a', 'round-robin', 1), place('west', 'b', 'round-robin', 1)]);
    expect(placeMany(s, 3)).toEqual(['east/a', 'west/b']);
  });

  it("falls back to the spec's algorithm for placements stored before they had their own", () => {
    const s = { ...spec([place('np', 'a', undefined), place('np', 'b', undefined)]), partitionAlgorithm: 'round-robin' } as ClusterSpec;
    expect(placeMany(s, 2)).toEqual(['np/a', 'np/b']);
  });
});

describe('planDeployment: groups that scale', () => {
  const subscription = (type: string, alias: string) => ({ type, cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias, deploymentPolicy: 'dp' } });
  const inputs = (groups: GroupSubscription[], definitions: CartridgeGroup[] = []): PlanInputs => ({
    application: { applicationId: 'shop', components: { groups, cartridges: [subscription('c', 'front')] } } as ApplicationDefinition,
    policy: { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] },
    cartridges: new Map([['c', { type: 'c', category: 'app', provider: 'p', host: 'h', displayName: 'c', version: '1', iaasProvider: [{ type: 'mock', imageId: 'i' }] } as unknown as CartridgeDefinition]]),
    deploymentPolicies: new Map([['dp', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p' }] }] }]]),
    networkPartitions: new Map([['np', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] }]]),
    groups: new Map(definitions.map((d) => [d.name, d])),
    installedDrivers: ['local'],
  });

  const instanceOf = (clusters: ReturnType<typeof planDeployment>['clusters']) => Object.fromEntries(clusters.map((c) => [c.clusterId, c.groupInstance]));

  it("puts every cluster of a group that scales in its first instance, with the group's bounds; others in none", () => {
    const { clusters, errors } = planDeployment(inputs([{ name: 'stack', alias: 'stack', groupScalingEnabled: true, groupMinInstances: 1, groupMaxInstances: 3, cartridges: [subscription('c', 'web'), subscription('c', 'db')] }]));
    expect(errors).toEqual([]);
    expect(instanceOf(clusters)).toEqual({
      'shop.web': { group: 'stack', instance: 1, minInstances: 1, maxInstances: 3 },
      'shop.db': { group: 'stack', instance: 1, minInstances: 1, maxInstances: 3 },
      'shop.front': null,
    });
  });

  it("takes groupScalingEnabled from the group's definition where the subscription does not say, and a maximum of at least the minimum", () => {
    const { clusters } = planDeployment(inputs([{ name: 'stack', alias: 's', groupMinInstances: 2, cartridges: [subscription('c', 'web')] }], [{ name: 'stack', cartridges: ['c'], groupScalingEnabled: true }]));
    expect(instanceOf(clusters)['shop.web']).toEqual({ group: 's', instance: 1, minInstances: 2, maxInstances: 2 });
    expect(instanceOf(planDeployment(inputs([{ name: 'stack', alias: 's', groupScalingEnabled: false, cartridges: [subscription('c', 'web')] }], [{ name: 'stack', groupScalingEnabled: true }])).clusters)['shop.web']).toBeNull();
  });

  it('refuses a group that scales inside another that scales, and a minimum of 0 instances, naming the field', () => {
    const nested = planDeployment(inputs([{ name: 'outer', alias: 'outer', groupScalingEnabled: true, groups: [{ name: 'inner', alias: 'inner', groupScalingEnabled: true, cartridges: [subscription('c', 'web')] }] }]));
    expect(nested.errors).toEqual([expect.objectContaining({ path: expect.stringMatching(/\/groupScalingEnabled$/), message: expect.stringContaining('inside group "outer", which scales') })]);
    expect(instanceOf(nested.clusters)['shop.web']?.group).toBe('outer');
    const none = planDeployment(inputs([{ name: 'stack', alias: 'stack', groupScalingEnabled: true, groupMinInstances: 0, cartridges: [subscription('c', 'web')] }]));
    expect(none.errors).toEqual([expect.objectContaining({ path: expect.stringMatching(/\/groupMinInstances$/), message: 'must be at least 1 where the group scales (groupScalingEnabled)' })]);
  });
});

describe('withoutUnmet', () => {
  const at = (partitionId: string) => ({ networkPartitionId: 'np', partitionId }) as Parameters<typeof withoutUnmet>[0][number];

  it('property: keeps exactly the met placements, in order — or all of them when none is met', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 8 }), (entries) => {
        const placements = entries.map(([id]) => at(id));
        const unmet = new Set(placements.filter((_, i) => entries[i][1]));
        const kept = withoutUnmet(placements, (p) => unmet.has(p));
        const met = placements.filter((p) => !unmet.has(p));
        expect(kept).toEqual(met.length > 0 ? met : placements);
      }),
      { seed: 21, numRuns: 300 },
    );
  });
});
