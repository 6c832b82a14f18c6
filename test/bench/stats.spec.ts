import fc from 'fast-check';
import { trend } from './stats';

describe("a sampled quantity's trend", () => {
  it('is the slope of a line through the samples, whatever noise sits evenly around it', () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 2, max: 60 }), fc.double({ min: 0, max: 500, noNaN: true }), (slope, offset, count, noise) => {
        // Noise +n, -n, -n, +n, … : symmetric about the line in pairs that cancel in both sums.
        const samples = Array.from({ length: count * 4 }, (_, i) => ({ at: i, value: offset + slope * i + ([1, -1, -1, 1][i % 4] * noise) }));
        const exact = Array.from({ length: count * 4 }, (_, i) => ({ at: i, value: offset + slope * i }));
        expect(trend(exact)).toBeCloseTo(slope, 6);
        expect(Math.abs(trend(samples) - slope)).toBeLessThanOrEqual(noise / count + 1e-6);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('is flat for a bounded quantity that rises and falls, and undefined for one time', () => {
    expect(trend([0, 2000, 500, 1800, 300, 2100, 400].map((value, i) => ({ at: i, value })))).toBeLessThan(60);
    expect(trend([{ at: 5, value: 1 }, { at: 5, value: 9 }])).toBeNaN();
  });
});
