import fc from 'fast-check';
import type { Sample } from './scaling-rules';
import { SampleSeries } from './sample-series';

describe('SampleSeries', () => {
  it('keeps samples oldest first across growth and wrap-around, and drops those before a time', () => {
    const series = new SampleSeries();
    for (let at = 1; at <= 20; at++) series.push(at * 1000, at / 2);
    series.dropBefore(15_000);
    for (let at = 21; at <= 30; at++) series.push(at * 1000, at / 2);
    expect(series.length).toBe(16);
    expect(series.since(0)[0]).toEqual({ at: 15_000, value: 7.5 });
    expect(series.since(29_000)).toEqual([
      { at: 29_000, value: 14.5 },
      { at: 30_000, value: 15 },
    ]);
    series.dropBefore(31_000);
    expect([series.length, series.since(0)]).toEqual([0, []]);
  });

  it('answers as a plain array of samples would, whatever the pushes and drops (property)', () => {
    const step = fc.oneof(fc.record({ push: fc.tuple(fc.integer({ min: 0, max: 50 }), fc.double({ noNaN: true, min: 0, max: 1e6 })) }), fc.record({ drop: fc.integer({ min: 0, max: 60 }) }), fc.record({ since: fc.integer({ min: 0, max: 60 }) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const series = new SampleSeries();
        let model: Sample[] = [];
        let now = 0;
        for (const s of steps) {
          if ('push' in s) {
            now += s.push[0]; // times never go back
            series.push(now, s.push[1]);
            model.push({ at: now, value: s.push[1] });
          } else if ('drop' in s) {
            series.dropBefore(now - s.drop);
            model = model.filter((m) => m.at >= now - s.drop);
          } else {
            expect(series.since(now - s.since)).toEqual(model.filter((m) => m.at >= now - s.since));
          }
          expect(series.length).toBe(model.length);
        }
        expect(series.since(0)).toEqual(model);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
