import fc from 'fast-check';
import { AgentSilence } from './agent-silence';

describe('AgentSilence', () => {
  it('is overdue only past the grace, counted from the first Last Will', () => {
    const silence = new AgentSilence();
    silence.disconnected('m-1', 1000);
    silence.disconnected('m-1', 5000); // a second Will does not restart the clock
    expect(silence.overdue(7000, 6000)).toEqual([]);
    expect(silence.overdue(7001, 6000)).toEqual([{ memberId: 'm-1', silentMs: 6001 }]);
  });

  it('forgets a member that spoke again, and says how long it was silent', () => {
    const silence = new AgentSilence();
    silence.disconnected('m-1', 1000);
    expect(silence.heard('m-1', 3500)).toBe(2500);
    expect(silence.heard('m-1', 4000)).toBeUndefined();
    expect(silence.overdue(100_000, 6000)).toEqual([]);
  });

  it('for any history, a member is overdue exactly when its last unanswered Will is older than the grace', () => {
    const step = fc.record({ memberId: fc.constantFrom('a', 'b', 'c'), kind: fc.constantFrom('will', 'heard', 'forget'), dt: fc.integer({ min: 0, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 10_000 }), (steps, graceMs) => {
        const silence = new AgentSilence();
        const model = new Map<string, number>();
        let now = 0;
        for (const { memberId, kind, dt } of steps) {
          now += dt;
          if (kind === 'will') {
            silence.disconnected(memberId, now);
            if (!model.has(memberId)) model.set(memberId, now);
          } else if (kind === 'heard') {
            expect(silence.heard(memberId, now)).toBe(model.has(memberId) ? now - model.get(memberId)! : undefined);
            model.delete(memberId);
          } else {
            silence.forget(memberId);
            model.delete(memberId);
          }
        }
        const expected = [...model].filter(([, since]) => now - since > graceMs).map(([memberId]) => memberId).sort();
        expect(silence.overdue(now, graceMs).map((o) => o.memberId).sort()).toEqual(expected);
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});
