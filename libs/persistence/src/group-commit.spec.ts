import fc from 'fast-check';
import { GroupCommit, isRowError } from './group-commit';

/** A statement under the test's control: each call waits until the test ends it. */
function controlledWriter<In, Out>(answer: (items: In[]) => Out[]) {
  const calls: { items: In[]; end: () => void; fail: (error: Error) => void }[] = [];
  const write = (items: In[]) =>
    new Promise<Out[]>((resolve, reject) => {
      calls.push({ items: [...items], end: () => resolve(answer(items)), fail: reject });
    });
  return { write, calls };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('sends a lone write at once, alone', async () => {
    const writer = controlledWriter((items: number[]) => items.map((i) => i * 10));
    const commit = new GroupCommit(writer.write);
    const result = commit.submit(1);
    expect(writer.calls.map((c) => c.items)).toEqual([[1]]);
    writer.calls[0].end();
    await expect(result).resolves.toBe(10);
  });

  it('puts what came while a statement was in flight into the next one, and gives each caller its own result', async () => {
    const writer = controlledWriter((items: number[]) => items.map((i) => i * 10));
    const commit = new GroupCommit(writer.write);
    const first = commit.submit(1);
    const later = [commit.submit(2), commit.submit(3), commit.submit(4)];
    expect(writer.calls).toHaveLength(1); // one statement at a time
    expect(commit.backlog).toBe(3);
    writer.calls[0].end();
    await first;
    await settled();
    expect(writer.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    writer.calls[1].end();
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
    expect(commit.backlog).toBe(0);
  });

  it('keeps a batch within maxBatch', async () => {
    const writer = controlledWriter((items: number[]) => items);
    const commit = new GroupCommit(writer.write, { maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((i) => commit.submit(i));
    for (let k = 0; k < 3; k++) {
      await settled();
      writer.calls[k].end();
    }
    await expect(Promise.all(all)).resolves.toEqual([1, 2, 3, 4, 5]);
    expect(writer.calls.map((c) => c.items)).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('keeps a batch within maxWeight, but takes at least one write however heavy', async () => {
    const writer = controlledWriter((items: string[]) => items);
    const commit = new GroupCommit(writer.write, { weigh: (item) => item.length, maxWeight: 10 });
    const items = ['first', 'aaaa', 'bbbb', 'ccc', 'a-write-heavier-than-the-limit', 'dd', 'ee'];
    const all = items.map((i) => commit.submit(i));
    for (let k = 0; k < 5; k++) {
      await settled();
      writer.calls[k].end();
    }
    await expect(Promise.all(all)).resolves.toEqual(items);
    expect(writer.calls.map((c) => c.items)).toEqual([['first'], ['aaaa', 'bbbb'], ['ccc'], ['a-write-heavier-than-the-limit'], ['dd', 'ee']]);
  });

  it("tries a refused batch's writes alone when the error may be one write's, so that only that one fails", async () => {
    const bad = new Error('value too long');
    const commit = new GroupCommit(
      async (items: string[]) => {
        if (items.includes('bad')) throw bad;
        return items.map((i) => i.toUpperCase());
      },
      { retryAlone: (error) => error === bad },
    );
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((i) => commit.submit(i)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: bad },
      { status: 'fulfilled', value: 'C' },
    ]);
  });

  it('fails every caller of a batch, without trying again, when the failure is not known to be one write\'s (it may have committed)', async () => {
    const lost = new Error('connection terminated');
    const writer = controlledWriter((items: number[]) => items);
    const commit = new GroupCommit(writer.write, { retryAlone: () => false });
    const first = commit.submit(1);
    const batch = [commit.submit(2), commit.submit(3)];
    writer.calls[0].end();
    await first;
    await settled();
    writer.calls[1].fail(lost);
    await expect(Promise.allSettled(batch)).resolves.toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    expect(writer.calls).toHaveLength(2); // not written again
    // and it goes on: the next write is sent
    const next = commit.submit(4);
    await settled();
    writer.calls[2].end();
    await expect(next).resolves.toBe(4);
  });

  it('refuses a write that answers a different number of results than it was given', async () => {
    const commit = new GroupCommit(async (items: number[]) => items.slice(1));
    await expect(commit.submit(1)).rejects.toThrow('a group commit wrote 1 item(s) but answered 0');
  });

  it('refuses a maxBatch that is not a positive integer, and a maxWeight that is not positive', () => {
    expect(() => new GroupCommit(async (items: number[]) => items, { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new GroupCommit(async (items: number[]) => items, { maxWeight: 0 })).toThrow(RangeError);
  });

  it('whatever the arrivals, weights, bounds and failures: every caller settles once with its own result, one statement at a time, each within its bounds, each good write committed once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value: fc.integer(), weight: fc.integer({ min: 1, max: 10 }), fails: fc.boolean(), arrivesAfter: fc.nat(3) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 30 }),
        async (writes, maxBatch, maxWeight) => {
          let inFlight = 0;
          let mostInFlight = 0;
          const committed: number[] = [];
          const batches: { weight: number }[][] = [];
          const commit = new GroupCommit(
            async (items: { value: number; weight: number; fails: boolean }[]) => {
              batches.push(items);
              inFlight++;
              mostInFlight = Math.max(mostInFlight, inFlight);
              await settled();
              inFlight--;
              if (items.some((i) => i.fails)) throw new Error('refused');
              committed.push(...items.map((i) => i.value));
              return items.map((i) => i.value * 2);
            },
            { maxBatch, maxWeight, weigh: (item) => item.weight, retryAlone: () => true },
          );
          const results: Promise<number>[] = [];
          for (const write of writes) {
            for (let k = 0; k < write.arrivesAfter; k++) await Promise.resolve();
            results.push(commit.submit(write));
          }
          const outcomes = await Promise.allSettled(results);
          outcomes.forEach((outcome, i) => {
            if (writes[i].fails) expect(outcome.status).toBe('rejected');
            else expect(outcome).toEqual({ status: 'fulfilled', value: writes[i].value * 2 });
          });
          expect(mostInFlight).toBe(1);
          for (const batch of batches) {
            expect(batch.length).toBeLessThanOrEqual(maxBatch);
            if (batch.length > 1) expect(batch.reduce((sum, i) => sum + i.weight, 0)).toBeLessThanOrEqual(maxWeight);
          }
          expect(committed.sort()).toEqual(writes.filter((w) => !w.fails).map((w) => w.value).sort());
        },
      ),
      { seed: 20261205, numRuns: 200 },
    );
  });

  it("knows PostgreSQL's row errors (a bad value, a constraint) from the rest, on pg's errors and TypeORM's", () => {
    expect(isRowError(Object.assign(new Error('invalid byte sequence'), { code: '22021' }))).toBe(true);
    expect(isRowError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(true);
    expect(isRowError({ driverError: { code: '23502' } })).toBe(true);
    expect(isRowError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(false);
    expect(isRowError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRowError(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRowError(null)).toBe(false);
  });
});
