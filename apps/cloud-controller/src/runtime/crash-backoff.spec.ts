import fc from 'fast-check';
import { CrashBackoff } from './crash-backoff';

describe('CrashBackoff', () => {
  const options = { baseMs: 1000, maxMs: 30_000, stableMs: 10_000 };

  it('counts a member lost before it was Active, or soon after, as a crash; one that ran a stable while, not', () => {
    const backoff = new CrashBackoff(options);
    expect(backoff.isCrash(null, 5000)).toBe(true);
    expect(backoff.isCrash(1000, 3000)).toBe(true);
    expect(backoff.isCrash(1000, 11_000)).toBe(false);
  });

  it('doubles the wait for each crash in a row, up to the maximum', () => {
    const backoff = new CrashBackoff(options);
    expect([1, 2, 3, 4, 5, 6, 7].map((i) => backoff.failed('c', i))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoff.mayLaunch('c', 7 + 29_999)).toBe(false);
    expect(backoff.mayLaunch('c', 7 + 30_000)).toBe(true);
    expect(backoff.mayLaunch('other', 0)).toBe(true);
  });

  it('forgives a flapping cluster only after it stayed Active a stable while since the last crash', () => {
    const backoff = new CrashBackoff(options);
    backoff.failed('c', 0);
    backoff.failed('c', 3000);
    expect(backoff.active('c', 5000)).toBe(false); // Active again, but only 2 s after a crash: a flap
    expect(backoff.forgivenAt('c')).toBe(13_000);
    expect(backoff.failures('c')).toBe(2);
    expect(backoff.failed('c', 6000)).toBe(4000);
    expect(backoff.active('c', 16_000)).toBe(true);
    expect(backoff.failures('c')).toBe(0);
    expect(backoff.active('c', 17_000)).toBe(false); // nothing left to forgive
    expect(backoff.forgivenAt('c')).toBeNull();
    expect(backoff.failed('c', 17_000)).toBe(1000);
  });

  it('goes on from a crash loop another controller recorded, unless it knows the cluster\'s own', () => {
    const backoff = new CrashBackoff(options);
    backoff.resume('c', { inARow: 3, lastAt: 10_000, nextLaunchAt: 14_000 });
    expect(backoff.mayLaunch('c', 13_999)).toBe(false);
    expect(backoff.mayLaunch('c', 14_000)).toBe(true);
    expect(backoff.failed('c', 15_000)).toBe(8000); // the fourth in a row
    backoff.resume('c', { inARow: 1, lastAt: 0, nextLaunchAt: 0 }); // older news: ignored
    expect(backoff.failures('c')).toBe(4);
    expect(backoff.active('c', 25_000)).toBe(true);
  });

  it('never lets a cluster launch before its wait, whatever the history', () => {
    const step = fc.record({ kind: fc.constantFrom('fail', 'active'), dt: fc.integer({ min: 0, max: 20_000 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        const backoff = new CrashBackoff(options);
        let now = 0;
        let notBefore = 0;
        for (const { kind, dt } of steps) {
          now += dt;
          if (kind === 'fail') {
            const delay = backoff.failed('c', now);
            expect(delay).toBeGreaterThanOrEqual(options.baseMs);
            expect(delay).toBeLessThanOrEqual(options.maxMs);
            notBefore = now + delay;
          } else backoff.active('c', now);
          expect(backoff.mayLaunch('c', now)).toBe(now >= notBefore || backoff.failures('c') === 0);
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
