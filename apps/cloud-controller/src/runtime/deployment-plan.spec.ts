import type { ClusterSpec, Placement } from '@stratos/contracts';
import { nextPlacement } from './deployment-plan';

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
