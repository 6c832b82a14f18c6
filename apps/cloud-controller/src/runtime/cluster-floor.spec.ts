import fc from 'fast-check';
import { ClusterStatus } from '@stratos/contracts';
import { ClusterFloors } from './cluster-floor';

describe('ClusterFloors', () => {
  /** Drives one cluster through passes: [minMembers, active] each; returns the state after each. */
  const drive = (passes: [number, number][], status: ClusterStatus = ClusterStatus.Created) => {
    const floors = new ClusterFloors();
    return passes.map(([minMembers, active]) => (status = floors.next({ clusterId: 'c', status, minMembers }, active)));
  };

  it('is Active once the minimum is up, and Inactive when a member is lost below it (Stratos)', () => {
    expect(drive([[2, 0], [2, 1], [2, 2], [2, 1], [2, 2]])).toEqual(['Created', 'Created', 'Active', 'Inactive', 'Active']);
  });

  it('stays Active while it grows to a minimum raised under it', () => {
    expect(drive([[1, 1], [3, 1], [3, 2], [3, 3]])).toEqual(['Active', 'Active', 'Active', 'Active']);
  });

  it('is Inactive when it loses a member while growing: below what had come up', () => {
    expect(drive([[1, 1], [3, 1], [3, 2], [3, 1]])).toEqual(['Active', 'Active', 'Active', 'Inactive']);
    expect(drive([[1, 1], [3, 1], [3, 0]])).toEqual(['Active', 'Active', 'Inactive']);
  });

  it('takes a lowered minimum at once, and a raise after it from what is up then', () => {
    expect(drive([[3, 3], [1, 3], [1, 1], [3, 1], [3, 3], [3, 2]])).toEqual(['Active', 'Active', 'Active', 'Active', 'Active', 'Inactive']);
  });

  it('leaves an Inactive cluster Inactive until the whole minimum is up, raised or not', () => {
    expect(drive([[2, 2], [2, 1], [3, 1], [3, 2], [3, 3]])).toEqual(['Active', 'Inactive', 'Inactive', 'Inactive', 'Active']);
  });

  it('starts from the minimum in a controller that has not seen the cluster (a restart)', () => {
    expect(drive([[3, 1]], ClusterStatus.Active)).toEqual(['Inactive']);
  });

  it('never calls a cluster with its minimum up anything but Active, and never Inactive one that did not lose a member', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 30 }), (passes) => {
        const states = drive(passes);
        passes.forEach(([min, active], i) => {
          if (active >= min) expect(states[i]).toBe('Active');
          // Inactive only after a pass that saw more members up than this one.
          if (states[i] === 'Inactive' && (i === 0 || states[i - 1] !== 'Inactive')) expect(i > 0 && passes[i - 1][1] > active).toBe(true);
        });
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });
});
