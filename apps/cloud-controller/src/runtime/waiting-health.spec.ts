import fc from 'fast-check';
import { WaitingHealth } from './waiting-health';

describe('health reports waiting in the queue', () => {
  it('keeps one report per member: a later one takes the waiting one\'s place, and is the one handled', () => {
    const waiting = new WaitingHealth<string>();
    expect(waiting.offer('m-1', 'first')).toBe(true);
    expect(waiting.offer('m-2', 'other')).toBe(true);
    expect(waiting.offer('m-1', 'second')).toBe(false);
    expect(waiting.take('m-1')).toBe('second');
    expect(waiting.offer('m-1', 'third')).toBe(true); // the earlier place was taken: a new one
    expect([waiting.take('m-2'), waiting.take('m-1'), waiting.take('m-1'), waiting.size]).toEqual(['other', 'third', undefined, 0]);
  });

  it('as a queue: every member\'s latest report is handled, in its first waiting place, and the queue never holds two of one member', () => {
    const step = fc.oneof(fc.record({ offer: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.nat() }), fc.constant({ handle: true as const }));
    fc.assert(fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
      const waiting = new WaitingHealth<number>();
      const queue: string[] = [];
      const latest = new Map<string, number>();
      const handled: [string, number][] = [];
      const handleNext = () => {
        const memberId = queue.shift()!;
        const report = waiting.take(memberId);
        if (report !== undefined) handled.push([memberId, report]);
      };
      for (const s of steps) {
        if ('offer' in s) {
          latest.set(s.offer, s.value);
          if (waiting.offer(s.offer, s.value)) queue.push(s.offer);
        } else if (queue.length > 0) handleNext();
        if (new Set(queue).size !== queue.length || waiting.size !== queue.length) return false;
      }
      while (queue.length > 0) handleNext();
      // Whatever came last for each member was handled last for it.
      return [...latest].every(([memberId, value]) => handled.filter(([m]) => m === memberId).at(-1)?.[1] === value);
    }));
  });
});
