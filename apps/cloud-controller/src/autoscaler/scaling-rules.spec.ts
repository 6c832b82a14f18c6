import fc from 'fast-check';
import { decide, decideGroup, dependentRequirements, predict, requiredInstances, type ClusterScalingInput, type DependentCluster, type GroupClusterInput, type GroupScalingInput, type MemberInput, type Prediction, type Sample } from './scaling-rules';

const at = (seconds: number, value: number): Sample => ({ at: 1_000_000 + seconds * 1000, value });
const flat = (value: number): Prediction => ({ average: value, gradient: 0, secondDerivative: 0, predicted: value });
const member = (memberId: string, load: number | null = 10, memory: number | null = 10): MemberInput => ({ memberId, load, memory });
const input = (overrides: Partial<ClusterScalingInput>): ClusterScalingInput => ({
  min: 1,
  max: 4,
  active: [member('a')],
  pending: 0,
  metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(5) }],
  scaleDownVotes: 0,
  scaleDownAfter: 5,
  capacity: null,
  coolDownUntil: 0,
  now: 1_000_000,
  ...overrides,
});

describe('predict', () => {
  it.each([
    ['one sample: its value', [at(0, 7)], 60, { average: 7, gradient: 0, secondDerivative: 0, predicted: 7 }],
    ['flat: the average', [at(0, 5), at(15, 5), at(30, 5), at(45, 5)], 60, { average: 5, gradient: 0, secondDerivative: 0, predicted: 5 }],
    // 0 → 30 over 30 s: 1 per second, steady (no second derivative); a minute ahead of the average 15: 75.
    ['a steady rise', [at(0, 0), at(15, 15), at(30, 30)], 60, { average: 15, gradient: 1, secondDerivative: 0, predicted: 75 }],
    ['a fall never predicts below 0', [at(0, 30), at(15, 15), at(30, 0)], 60, { average: 15, gradient: -1, secondDerivative: 0, predicted: 0 }],
  ])('%s', (_what, samples, horizon, expected) => {
    const got = predict(samples, horizon)!;
    for (const [key, value] of Object.entries(expected)) expect([key, got[key as keyof Prediction]]).toEqual([key, expect.closeTo(value, 6)]);
  });

  it('sees an acceleration: the second half rises faster than the first', () => {
    // 0, 0, 10, 30: first half's gradient 0/s, second half's (0 → 10 → 30 from t=15 to t=45) 1/s, midpoints 15 s apart.
    const got = predict([at(0, 0), at(15, 0), at(30, 10), at(45, 30)], 1)!;
    expect(got.gradient).toBeCloseTo(30 / 45, 6);
    expect(got.secondDerivative).toBeGreaterThan(0);
  });

  it('orders samples by time and ignores what is not a number; nothing to predict from an empty window', () => {
    expect(predict([at(30, 30), at(0, 0), { at: 1_015_000, value: Number.NaN }], 0)!.gradient).toBeCloseTo(1, 6);
    expect(predict([], 60)).toBeNull();
  });

  it('is finite and never negative for any window (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.integer({ min: 0, max: 600_000 }), value: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 300 }), (samples, horizon) => {
        const got = predict(samples, horizon)!;
        expect(Number.isFinite(got.predicted)).toBe(true);
        expect(got.predicted).toBeGreaterThanOrEqual(0);
        expect(got.average).toBeLessThanOrEqual(Math.max(...samples.map((s) => s.value)) + 1e-6);
      }),
      { seed: 12, numRuns: 500 },
    );
  });
});

describe('requiredInstances', () => {
  it.each([
    ['requestsInFlight', 25, 10, 1, 3],
    ['requestsInFlight', 30, 10, 7, 3],
    ['requestsInFlight', 0, 10, 2, 0],
    ['loadAverage', 90, 60, 2, 3], // 90 % on each of 2 → 180 % of a member's worth ÷ 60 % each → 3
    ['memoryConsumption', 40, 80, 4, 2],
    ['memoryConsumption', 80, 80, 3, 3], // exactly at the threshold: as many as now
    ['loadAverage', 50, 0, 3, 0], // no threshold: no requirement
  ] as const)('%s predicted %d, threshold %d, %d active → %d', (metric, predicted, threshold, active, expected) => {
    expect(requiredInstances(metric, predicted, threshold, active)).toBe(expected);
  });
});

describe('decide', () => {
  it('scales up by the whole difference at once, bounded by max, counting members on their way', () => {
    expect(decide(input({ metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(31) }] }))).toEqual({
      kind: 'up',
      add: 3,
      to: 4,
      cause: { metric: 'requestsInFlight', predicted: 31, threshold: 10, required: 4 },
    });
    expect(decide(input({ metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(95) }] }))).toMatchObject({ kind: 'up', add: 3, to: 4 });
    expect(decide(input({ pending: 1, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(31) }] }))).toMatchObject({ kind: 'up', add: 2, to: 4 });
    expect(decide(input({ pending: 3, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(31) }] }))).toMatchObject({ kind: 'hold', reason: expect.stringMatching(/at most 4 \(cartridgeMax\)/) });
    expect(decide(input({ pending: 1, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(15) }] }))).toMatchObject({ kind: 'hold', reason: expect.stringMatching(/on their way cover it/) });
  });

  it('never asks for more than the partitions can hold', () => {
    expect(decide(input({ capacity: 2, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(40) }] }))).toMatchObject({ kind: 'up', add: 1, to: 2 });
    expect(decide(input({ capacity: 1, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(40) }] }))).toMatchObject({ kind: 'hold', reason: expect.stringMatching(/the partitions’ room/) });
  });

  it('takes the metric that requires the most, and says which', () => {
    const metrics = [
      { metric: 'requestsInFlight' as const, threshold: 10, prediction: flat(12) }, // 2
      { metric: 'loadAverage' as const, threshold: 50, prediction: flat(100) }, // 100 × 1 ÷ 50 = 2
      { metric: 'memoryConsumption' as const, threshold: 20, prediction: flat(55) }, // 3
    ];
    expect(decide(input({ metrics }))).toMatchObject({ kind: 'up', to: 3, cause: { metric: 'memoryConsumption', required: 3 } });
    expect(decide(input({ metrics: metrics.map((m) => ({ ...m, prediction: null })) }))).toMatchObject({ kind: 'hold', reason: 'no statistics yet' });
  });

  it('scales down only after more than scaleDownAfter evaluations agree, one member at a time, the least loaded, never below min', () => {
    const idle = { metrics: [{ metric: 'requestsInFlight' as const, threshold: 10, prediction: flat(1) }], active: [member('a', 50, 50), member('b', 5, 15), member('c', 20, 0)] };
    let votes = 0;
    for (let i = 1; i <= 5; i++) {
      const held = decide(input({ ...idle, scaleDownVotes: votes }));
      expect(held).toMatchObject({ kind: 'hold', scaleDownVotes: i, reason: expect.stringMatching(new RegExp(`vote ${i} of more than 5`)) });
      votes = (held as { scaleDownVotes: number }).scaleDownVotes;
    }
    expect(decide(input({ ...idle, scaleDownVotes: votes }))).toEqual({ kind: 'down', memberId: 'b', to: 2, cause: expect.objectContaining({ required: 1 }), votes: 6 });
    // A vote that does not agree starts the count again; at min nothing goes; nor while members are on their way.
    expect(decide(input({ ...idle, scaleDownVotes: 4, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(25) }] }))).toMatchObject({ kind: 'hold', scaleDownVotes: 0 });
    expect(decide(input({ ...idle, min: 3, scaleDownVotes: 9 }))).toMatchObject({ kind: 'hold', reason: expect.stringMatching(/at cartridgeMin 3/) });
    expect(decide(input({ ...idle, pending: 1, scaleDownVotes: 9 }))).toMatchObject({ kind: 'hold', scaleDownVotes: 0 });
  });

  it('holds during the cool-down, keeping the votes so far', () => {
    expect(decide(input({ coolDownUntil: 1_030_000, scaleDownVotes: 2, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(40) }] }))).toMatchObject({
      kind: 'hold',
      reason: 'cooling down for 30 s after the last decision',
      scaleDownVotes: 2,
    });
  });

  it('keeps every decision within min and max (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 3 }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.integer({ min: 0, max: 10 }),
        (min, spread, activeCount, pending, rif, votes) => {
          const max = min + spread;
          const got = decide(input({ min, max, active: Array.from({ length: activeCount }, (_, i) => member(`m${i}`)), pending, scaleDownVotes: votes, metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(rif) }] }));
          if (got.kind === 'up') {
            expect(got.add).toBeGreaterThan(0);
            expect(got.to).toBeLessThanOrEqual(max);
            expect(got.to).toBe(activeCount + pending + got.add);
          }
          if (got.kind === 'down') {
            expect(got.to).toBeGreaterThanOrEqual(min);
            expect(got.votes).toBeGreaterThan(5);
          }
        },
      ),
      { seed: 7, numRuns: 2000 },
    );
  });
});

describe('dependentRequirements (scalingDependents)', () => {
  const cause = (required: number, metric: 'requestsInFlight' | 'loadAverage' = 'requestsInFlight') => ({ metric, predicted: required * 10, threshold: 10, required });
  const cluster = (clusterId: string, min: number, max: number, required: number | null): DependentCluster => ({ clusterId, min, max, cause: required === null ? null : cause(required) });

  it.each([
    // [what, clusters, expected requirement per cluster]
    ['the busiest in proportion sets the factor: web 2→6 (×3) takes db 1→3', [cluster('web', 2, 8, 6), cluster('db', 1, 4, 1)], { web: 6, db: 3 }],
    ['a factor below 1 keeps each at its min', [cluster('web', 2, 8, 1), cluster('db', 1, 4, 0)], { web: 2, db: 1 }],
    ['rounds up, never fewer than the proportion: ×1.5 of min 1 is 2', [cluster('web', 2, 8, 3), cluster('db', 1, 4, 1)], { web: 3, db: 2 }],
    ['never above a cluster’s max', [cluster('web', 1, 8, 8), cluster('db', 1, 2, 1)], { web: 8, db: 2 }],
    ['a cluster with no statistics follows the others', [cluster('web', 2, 8, 4), cluster('db', 1, 4, null)], { web: 4, db: 2 }],
    ['no statistics at all: nothing required', [cluster('web', 2, 8, null), cluster('db', 1, 4, null)], {}],
  ])('%s', (_what, clusters, expected) => {
    const found = dependentRequirements([['web', 'db']], clusters as DependentCluster[]);
    expect(Object.fromEntries([...found].map(([id, c]) => [id, c.required]))).toEqual(expected);
  });

  it('says which cluster’s metric caused a dependent’s requirement', () => {
    const found = dependentRequirements([['web', 'db']], [cluster('web', 2, 8, 6), cluster('db', 1, 4, 1)]);
    expect(found.get('db')).toEqual({ metric: 'requestsInFlight', predicted: 60, threshold: 10, required: 3, dependentOf: 'web' });
    expect(found.get('web')).toEqual({ metric: 'requestsInFlight', predicted: 60, threshold: 10, required: 6 });
  });

  it('takes the largest requirement for a cluster in two lists, and ignores lists of one known cluster', () => {
    const clusters = [cluster('a', 1, 10, 4), cluster('b', 1, 10, 1), cluster('c', 2, 10, 2)];
    const found = dependentRequirements([['a', 'b'], ['b', 'c'], ['c', 'gone']], clusters);
    expect(Object.fromEntries([...found].map(([id, c]) => [id, c.required]))).toEqual({ a: 4, b: 4, c: 2 });
  });

  it('always within each cluster’s bounds and never below what its own metrics require (property)', () => {
    const arb = fc.array(
      fc.record({ min: fc.integer({ min: 1, max: 5 }), extra: fc.integer({ min: 0, max: 10 }), required: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }) }),
      { minLength: 2, maxLength: 5 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const clusters = specs.map((s, i) => cluster(`c${i}`, s.min, s.min + s.extra, s.required));
        const found = dependentRequirements([clusters.map((c) => c.clusterId)], clusters);
        for (const c of clusters) {
          const got = found.get(c.clusterId);
          if (!got) continue;
          expect(got.required).toBeGreaterThanOrEqual(c.min);
          expect(got.required).toBeLessThanOrEqual(c.max);
          if (c.cause) expect(got.required).toBeGreaterThanOrEqual(Math.min(c.max, c.cause.required));
        }
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  it('decide scales a dependent by its list’s requirement, not its own quiet metrics', () => {
    const decision = decide(input({ min: 1, max: 4, active: [member('a')], metrics: [{ metric: 'requestsInFlight', threshold: 10, prediction: flat(1) }], dependent: { ...cause(3), dependentOf: 'web' } }));
    expect(decision).toEqual({ kind: 'up', add: 2, to: 3, cause: { ...cause(3), dependentOf: 'web' } });
  });
});

describe('decideGroup (group scaling)', () => {
  /** A cluster of an instance: `load` is its members' predicted load (percent) against a threshold of 50. */
  const child = (clusterId: string, { max = 2, active = undefined as number | undefined, pending = 0, load = 10 as number | null } = {}): GroupClusterInput => {
    active ??= max;
    const alias = clusterId.replace(/~g\d+$/, '');
    if (load === null) return { clusterId, alias, max, active, pending, cause: null, demand: null };
    const demand = (load * Math.max(1, active)) / 50;
    return { clusterId, alias, max, active, pending, cause: { metric: 'loadAverage', predicted: load, threshold: 50, required: requiredInstances('loadAverage', load, 50, active) }, demand };
  };
  const group = (instances: GroupClusterInput[][], overrides: Partial<GroupScalingInput> = {}): GroupScalingInput => ({
    minInstances: 1,
    maxInstances: 3,
    instances: instances.map((clusters, i) => ({ instance: i + 1, ready: true, clusters })),
    leaving: false,
    scaleDownVotes: 0,
    scaleDownAfter: 2,
    coolDownUntil: 0,
    now: 1_000_000,
    ...overrides,
  });

  it.each<[string, GroupScalingInput, Partial<ReturnType<typeof decideGroup>>]>([
    // web at its max 2, its load asking for 4: only another instance gives it more.
    ['adds an instance for a cluster that requires more than its max and has it', group([[child('web', { load: 100 }), child('db', { load: null })]]), { kind: 'up', to: 2 }],
    ['not while the cluster is still growing to its max', group([[child('web', { active: 1, load: 100 })]]), { kind: 'hold' }],
    ['counts members on their way as the cluster’s', group([[child('web', { active: 1, pending: 1, load: 150 })]]), { kind: 'up', to: 2 }],
    ['at most groupMaxInstances', group([[child('web', { load: 100 })], [child('web~g2', { load: 100 })]], { maxInstances: 2 }), { kind: 'hold', reason: expect.stringContaining('at groupMaxInstances 2') }],
    ['waits for an instance that is starting', group([[child('web', { load: 100 })]], { instances: [{ instance: 1, ready: true, clusters: [child('web', { load: 100 })] }, { instance: 2, ready: false, clusters: [] }] }), { kind: 'hold', reason: 'instance 2 is not Active yet' }],
    ['holds while an instance is being removed', group([[child('web', { load: 100 })]], { leaving: true }), { kind: 'hold', reason: 'an instance is being removed' }],
    ['holds through the cool-down, keeping its votes', group([[child('web', { load: 100 })]], { coolDownUntil: 1_005_000, scaleDownVotes: 2 }), { kind: 'hold', scaleDownVotes: 2 }],
    ['no statistics: holds', group([[child('web', { load: null })], [child('web~g2', { load: null })]]), { kind: 'hold', reason: 'no statistics yet' }],
    ['never below groupMinInstances', group([[child('web', { load: 1 })], [child('web~g2', { load: 1 })]], { minInstances: 2 }), { kind: 'hold', reason: 'at groupMinInstances 2' }],
    // 2 instances × 2 members at 10 %: 40 % of one member's 50 in all — one instance (2 members) holds it; a vote first.
    ['votes to remove one the others can do without', group([[child('web', { load: 10 })], [child('web~g2', { load: 10 })]]), { kind: 'hold', scaleDownVotes: 1 }],
    ['removes the newest after enough votes', group([[child('web', { load: 10 })], [child('web~g2', { load: 10 })]], { scaleDownVotes: 2 }), { kind: 'down', instance: 2, to: 1 }],
    // 2 × 2 members at 40 %: 160 % = 4 members' worth; one instance holds 2.
    ['keeps an instance the load needs', group([[child('web', { load: 40 })], [child('web~g2', { load: 40 })]], { scaleDownVotes: 5 }), { kind: 'hold', scaleDownVotes: 0 }],
  ])('%s', (_what, given, expected) => {
    expect(decideGroup(given)).toEqual(expect.objectContaining(expected));
  });

  it('follows a scalingDependents list it is in (group.ALIAS), one instance at a time, and keeps what the list requires', () => {
    const followed = { metric: 'loadAverage' as const, predicted: 90, threshold: 50, required: 3, dependentOf: 'shop.api' };
    expect(decideGroup(group([[child('web', { load: null })]], { dependent: followed }))).toEqual({ kind: 'up', to: 2, cause: { ...followed, clusterId: 'shop.api' } });
    expect(decideGroup(group([[child('web', { load: 1 })], [child('web~g2', { load: 1 })]], { dependent: { ...followed, required: 2 }, scaleDownVotes: 5 }))).toEqual(
      expect.objectContaining({ kind: 'hold', reason: 'its scaling dependents require 2 instance(s) with shop.api' }),
    );
    // No statistics of its own: the list alone says when one can go (after the votes).
    expect(decideGroup(group([[child('web', { load: null })], [child('web~g2', { load: null })]], { dependent: { ...followed, required: 1 }, scaleDownVotes: 2 }))).toEqual(expect.objectContaining({ kind: 'down', instance: 2, to: 1 }));
  });

  it('names the cluster that asked, with its metric', () => {
    expect(decideGroup(group([[child('web', { load: 100 }), child('db', { load: 60 })]]))).toEqual({ kind: 'up', to: 2, cause: { clusterId: 'web', metric: 'loadAverage', predicted: 100, threshold: 50, required: 4 } });
  });

  it('never adds beyond groupMaxInstances nor removes below groupMinInstances (property)', () => {
    const arb = fc.record({
      min: fc.integer({ min: 1, max: 3 }),
      extra: fc.integer({ min: 0, max: 3 }),
      loads: fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }), { minLength: 1, maxLength: 5 }),
      votes: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(arb, ({ min, extra, loads, votes }) => {
        const decision = decideGroup(group(loads.map((load, i) => [child(i === 0 ? 'web' : `web~g${i + 1}`, { load })]), { minInstances: min, maxInstances: min + extra, scaleDownVotes: votes }));
        if (decision.kind === 'up') expect(decision.to).toBeLessThanOrEqual(min + extra);
        if (decision.kind === 'down') {
          expect(decision.to).toBeGreaterThanOrEqual(min);
          expect(decision.instance).toBe(loads.length);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
