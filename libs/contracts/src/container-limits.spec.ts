import fc from 'fast-check';
import { containerLimits, DEFAULT_CONTAINER_LIMITS } from './container-limits';

describe('containerLimits', () => {
  it('reads sizes, CPUs and process counts, and keeps the defaults for the rest', () => {
    expect(containerLimits([{ name: 'container.memory', value: '512m' }, { name: 'container.cpus', value: '1.5' }, { name: 'other', value: 'x' }], '/property')).toEqual({
      limits: { memoryBytes: 512 * 1024 ** 2, nanoCpus: 1_500_000_000, pids: DEFAULT_CONTAINER_LIMITS.pids, user: 'member' },
      errors: [],
    });
    expect(containerLimits([{ name: 'container.memory', value: '2GiB' }], '').limits.memoryBytes).toBe(2 * 1024 ** 3);
    expect(containerLimits([], '').limits).toEqual(DEFAULT_CONTAINER_LIMITS);
    expect(containerLimits([{ name: 'container.user', value: 'root' }], '').limits.user).toBe('root');
  });

  it('names each bad value by its pointer', () => {
    expect(containerLimits([{ name: 'container.memory', value: 'lots' }, { name: 'container.pids', value: '3' }, { name: 'container.cpus', value: '-1' }, { name: 'container.user', value: 'admin' }], '/cartridges/x/property').errors).toEqual([
      { path: '/cartridges/x/property/0/value', message: 'must be a size from 6m to 1024g, such as 512m or 2g' },
      { path: '/cartridges/x/property/1/value', message: 'must be a whole number of processes from 16 to 1000000' },
      { path: '/cartridges/x/property/2/value', message: 'must be a number of CPUs from 0.01 to 256, such as 0.5 or 2' },
      { path: '/cartridges/x/property/3/value', message: 'must be member (an unprivileged user of its own) or root', allowed: ['member', 'root'] },
    ]);
  });

  it('property: any string either parses within bounds or is one error at its place, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom('container.memory', 'container.cpus', 'container.pids', 'container.user'), fc.string(), (name, value) => {
        const { limits, errors } = containerLimits([{ name, value }], '/p');
        if (errors.length) expect(errors).toEqual([expect.objectContaining({ path: '/p/0/value', message: expect.any(String) })]);
        else {
          expect(limits.memoryBytes).toBeGreaterThanOrEqual(6 * 1024 ** 2);
          expect(limits.pids).toBeGreaterThanOrEqual(16);
          expect(['member', 'root']).toContain(limits.user);
        }
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});
