import { measuredItsStart, StatisticsWindow } from './statistics-window';

describe('StatisticsWindow', () => {
  it('keeps each member’s samples for the window, per statistic, and drops what is not a number', () => {
    const window = new StatisticsWindow(10_000);
    window.record('m1', 'c', 1_000, { loadAverage: 50, memoryConsumption: 10 });
    window.record('m1', 'c', 6_000, { loadAverage: 70, memoryConsumption: Number.NaN });
    window.record('m1', 'c', 12_000, { loadAverage: 90, requestsInFlight: -1 });
    expect(window.samples('m1', 'loadAverage', 0)).toEqual([
      { at: 6_000, value: 70 },
      { at: 12_000, value: 90 },
    ]); // the first is older than 10 s before the last
    expect(window.samples('m1', 'memoryConsumption', 0)).toEqual([{ at: 1_000, value: 10 }]);
    expect(window.samples('m1', 'requestsInFlight', 0)).toEqual([]);
    expect(window.samples('m1', 'loadAverage', 7_000)).toEqual([{ at: 12_000, value: 90 }]);
  });

  it('starts a member afresh in another cluster, and forgets members that are gone', () => {
    const window = new StatisticsWindow(60_000);
    window.record('m1', 'a', 1_000, { loadAverage: 50 });
    window.record('m1', 'b', 2_000, { loadAverage: 5 });
    window.record('m2', 'b', 2_000, { loadAverage: 5 });
    expect(window.samples('m1', 'loadAverage', 0)).toEqual([{ at: 2_000, value: 5 }]);
    window.keepOnly(new Set(['m2']));
    expect([window.size(), window.samples('m1', 'loadAverage', 0)]).toEqual([1, []]);
  });

  it('keeps what balancers report per cluster, one series per balancer, and forgets a balancer that is gone', () => {
    const window = new StatisticsWindow(10_000);
    window.recordBalanced('lb1', 'app', 'web', 1_000, 4);
    window.recordBalanced('lb1', 'app', 'web', 12_000, 6);
    window.recordBalanced('lb2', 'app', 'web', 12_000, 3);
    window.recordBalanced('lb1', 'app', 'api', 12_000, 9);
    window.recordBalanced('lb1', 'other-app', 'web', 12_000, 100);
    window.recordBalanced('lb1', 'app', 'web', 12_500, Number.NaN);
    expect(window.balancedSamples('app', 'web', 0)).toEqual([
      { reportedBy: 'lb1', samples: [{ at: 12_000, value: 6 }] }, // 1 s is past the 10 s kept
      { reportedBy: 'lb2', samples: [{ at: 12_000, value: 3 }] },
    ]);
    expect(window.balancedSamples('app', 'api', 0)).toEqual([{ reportedBy: 'lb1', samples: [{ at: 12_000, value: 9 }] }]);
    expect(window.balancedSamples('app', 'web', 13_000)).toEqual([]);
    window.keepOnly(new Set(['lb2']));
    expect([window.balancedSamples('app', 'web', 0), window.balancedSamples('app', 'api', 0)]).toEqual([[{ reportedBy: 'lb2', samples: [{ at: 12_000, value: 3 }] }], []]);
  });

  it("sets aside a report heard within a health interval of the member turning Active (it may have measured the member's start), not a later one", () => {
    const activeSince = new Date(100_000);
    expect(measuredItsStart(activeSince, 100_000, 15_000)).toBe(true); // the report sent at activation
    expect(measuredItsStart(activeSince, 114_999, 15_000)).toBe(true); // its reading began before activation
    expect(measuredItsStart(activeSince, 115_000, 15_000)).toBe(false); // a whole interval after: the member's own load
    expect(measuredItsStart(activeSince, 400_000, 1_000)).toBe(false);
  });
});
