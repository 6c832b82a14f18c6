import fc from 'fast-check';
import { agentRunId, eventCursorOf, eventVerdict, type EventCursor } from './event-order';

describe('agent event order', () => {
  const run1 = agentRunId(1_700_000_000_000, 'a');
  const run2 = agentRunId(1_700_000_005_000, 'b');

  it('applies the next event of the run, and the first one heard of a member', () => {
    expect(eventVerdict(null, { run: run1, sequence: 1 })).toBe('apply');
    expect(eventVerdict(null, { run: run1, sequence: 7 })).toBe('apply');
    expect(eventVerdict({ run: run1, sequence: 3 }, { run: run1, sequence: 4 })).toBe('apply');
  });

  it('knows an event sent again, and one that comes before its turn', () => {
    expect(eventVerdict({ run: run1, sequence: 3 }, { run: run1, sequence: 3 })).toBe('duplicate');
    expect(eventVerdict({ run: run1, sequence: 3 }, { run: run1, sequence: 1 })).toBe('duplicate');
    expect(eventVerdict({ run: run1, sequence: 3 }, { run: run1, sequence: 5 })).toBe('early');
  });

  it('a newer agent process starts over at any number; an older one is stale', () => {
    expect(eventVerdict({ run: run1, sequence: 9 }, { run: run2, sequence: 1 })).toBe('apply');
    expect(eventVerdict({ run: run1, sequence: 9 }, { run: run2, sequence: 4 })).toBe('apply'); // its first ones were not the member's (a live migration's target)
    expect(eventVerdict({ run: run2, sequence: 2 }, { run: run1, sequence: 10 })).toBe('stale');
  });

  it('runs order by their start, whatever their nonce (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 48 }), fc.nat({ max: 2 ** 48 }), fc.stringMatching(/^[0-9a-f-]{1,36}$/), fc.stringMatching(/^[0-9a-f-]{1,36}$/), (t1, t2, n1, n2) => {
        fc.pre(t1 !== t2);
        expect(agentRunId(t1, n1) < agentRunId(t2, n2)).toBe(t1 < t2);
        expect(eventCursorOf({ run: agentRunId(t1, n1), sequence: 1 })).toEqual({ run: agentRunId(t1, n1), sequence: 1 });
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  it('reads a cursor only from well-formed fields, and never throws (property)', () => {
    expect(eventCursorOf({})).toBeNull();
    expect(eventCursorOf({ run: run1, sequence: 0 })).toBeNull();
    expect(eventCursorOf({ run: run1, sequence: 1.5 })).toBeNull();
    expect(eventCursorOf({ run: 'not a run', sequence: 1 })).toBeNull();
    fc.assert(
      fc.property(fc.record({ run: fc.anything(), sequence: fc.anything() }, { requiredKeys: [] }), (event) => {
        const cursor = eventCursorOf(event);
        if (cursor) {
          expect(Number.isSafeInteger(cursor.sequence) && cursor.sequence >= 1).toBe(true);
          expect(typeof cursor.run).toBe('string');
        }
      }),
      { seed: 14, numRuns: 1000 },
    );
  });

  /**
   * The protocol as a whole: an agent sends one event at a time, again until acknowledged; two
   * controllers are given copies in any order, any number of times (resends, redeliveries); the
   * agent may restart (a newer run) while copies of the old run's last event are still on their
   * way. Applied: every event of each run once, in order — none early, none twice, nothing of the
   * old run after the new one began.
   */
  it('two controllers given copies in any order apply each event once, in order (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 200, maxLength: 200 }), (firstRun, secondRun, choices) => {
        const runs = [{ run: run1, count: firstRun }, { run: run2, count: secondRun }];
        let cursor: EventCursor | null = null;
        const applied: EventCursor[] = [];
        const inFlight: EventCursor[] = [];
        let runIndex = 0;
        let head = 1; // the agent's unacknowledged event of the current run
        inFlight.push({ run: runs[0].run, sequence: 1 });
        let steps = 0;
        for (const choice of choices) {
          steps++;
          if (runIndex >= runs.length) break;
          const action = choice % 4;
          if (action === 0) {
            inFlight.push({ run: runs[runIndex].run, sequence: head }); // sent again: no acknowledgement yet
          } else if (action === 1 && runIndex === 0 && head > 1) {
            runIndex = 1; // the agent restarts: a new run from 1, the old run's copies still on their way
            head = 1;
            inFlight.push({ run: runs[1].run, sequence: 1 });
          } else if (inFlight.length > 0) {
            const [event] = inFlight.splice(choice % inFlight.length, 1);
            const verdict = eventVerdict(cursor, event);
            expect(verdict).not.toBe('early'); // one at a time: never ahead of its turn
            if (verdict === 'apply') {
              applied.push(event);
              cursor = event;
            }
            const acknowledgesHead = event.run === runs[runIndex]?.run && event.sequence === head;
            if (acknowledgesHead) {
              head++;
              if (head > runs[runIndex].count) {
                runIndex++;
                head = 1;
                if (runIndex < runs.length) inFlight.push({ run: runs[runIndex].run, sequence: 1 });
              } else inFlight.push({ run: runs[runIndex].run, sequence: head });
            }
          }
        }
        // In order within a run, each once, and no event of the first run after the second's.
        const keys = applied.map((e) => `${e.run}#${e.sequence}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (let i = 1; i < applied.length; i++) {
          const [a, b] = [applied[i - 1], applied[i]];
          if (a.run === b.run) expect(b.sequence).toBe(a.sequence + 1);
          else expect([a.run, b.run]).toEqual([run1, run2]);
        }
        expect(steps).toBeGreaterThan(0);
      }),
      { seed: 15, numRuns: 2000 },
    );
  });
});
