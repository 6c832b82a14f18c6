import fc from 'fast-check';
import { MemberQueues } from './member-queues';

/** A task that waits until released, recording when it starts and ends. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const task = async (): Promise<void> => {
    log.push(`start ${name}`);
    await released;
    log.push(`end ${name}`);
  };
  return { task, release };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("members' queues", () => {
  it("runs one member's tasks one at a time in order, and other members' beside them", async () => {
    const log: string[] = [];
    const queues = new MemberQueues(4);
    const [a1, a2, b1] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'b1')];
    queues.push('a', a1.task);
    queues.push('a', a2.task);
    queues.push('b', b1.task);
    await settle();
    expect(log).toEqual(['start a1', 'start b1']); // a2 waits for a1; b1 does not
    a1.release();
    await settle();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    a2.release();
    b1.release();
    await queues.idle();
    expect(queues.size).toBe(0);
  });

  it('runs at most `limit` members at once, in the order their work came, a member going to the back after each task; a failed task does not stop its member', async () => {
    const log: string[] = [];
    const queues = new MemberQueues(2);
    const gates = ['a', 'b', 'c', 'd'].map((m) => gate(log, m));
    queues.push('a', async () => {
      throw new Error('a fails');
    });
    queues.push('a', gates[0].task);
    ['b', 'c', 'd'].forEach((m, i) => queues.push(m, gates[i + 1].task));
    await settle();
    expect(log).toEqual(['start b', 'start c']); // a's first failed; its second waits behind c and d
    gates[1].release();
    await settle();
    expect(log.slice(2)).toEqual(['end b', 'start d']);
    gates.forEach((g) => g.release());
    await queues.idle();
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start b', 'start c', 'start d', 'start a']);
  });

  it('as a scheduler: every task runs once, each member in order and alone, never more than the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.nat({ max: 3 })), { maxLength: 60 }), async (limit, pushes) => {
        const queues = new MemberQueues(limit);
        const done: [string, number][] = [];
        const runningMembers = new Set<string>();
        let violations = 0;
        pushes.forEach(([member, ticks], index) =>
          queues.push(member, async () => {
            if (runningMembers.has(member) || runningMembers.size >= limit) violations++;
            runningMembers.add(member);
            for (let t = 0; t < ticks; t++) await settle();
            runningMembers.delete(member);
            done.push([member, index]);
          }),
        );
        await queues.idle();
        expect(violations).toBe(0);
        expect(done.map(([, i]) => i).sort((x, y) => x - y)).toEqual(pushes.map((_, i) => i));
        for (const member of new Set(pushes.map(([m]) => m))) {
          const order = done.filter(([m]) => m === member).map(([, i]) => i);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new MemberQueues(0)).toThrow(RangeError);
    expect(() => new MemberQueues(1.5)).toThrow(RangeError);
  });
});
