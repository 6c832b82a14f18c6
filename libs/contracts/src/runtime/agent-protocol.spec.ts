import fc from 'fast-check';
import { AGENT_CANNOT_START, agentStartFailure } from './agent-protocol';

describe('agentStartFailure (why the agent said its member could not start, from its log)', () => {
  const line = (text: string) => `2026-12-03T13:00:00.000Z agent: ${text}`;

  it('reads the last "cannot start" line, whatever comes around it', () => {
    const log = [line('member m1 of a.b connecting'), 'workload output', line(`${AGENT_CANNOT_START}an older reason`), line(`${AGENT_CANNOT_START}no broker answered within 1500 ms (mqtt://127.0.0.1:1)`), 'after'].join('\n');
    expect(agentStartFailure(log)).toBe('no broker answered within 1500 ms (mqtt://127.0.0.1:1)');
    expect(agentStartFailure(line('active on 8080→8080'))).toBeUndefined();
    expect(agentStartFailure('')).toBeUndefined();
  });

  it('property: finds exactly the reason written, trimmed and at most 500 characters; nothing in a log without one', () => {
    const noMarker = fc.string().filter((s) => !s.includes('agent: cannot start'));
    fc.assert(
      fc.property(fc.array(noMarker, { maxLength: 5 }), fc.string({ minLength: 1 }).filter((s) => !s.includes('\n') && s.trim() !== ''), fc.array(noMarker, { maxLength: 5 }), (before, why, after) => {
        expect(agentStartFailure([...before, ...after].join('\n'))).toBeUndefined();
        const found = agentStartFailure([...before, line(`${AGENT_CANNOT_START}${why}`), ...after].join('\n'));
        expect(found).toBe(why.trim().slice(0, 500));
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
