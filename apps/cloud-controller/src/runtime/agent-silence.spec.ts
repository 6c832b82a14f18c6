import fc from 'fast-check';
import { agentMqttKeepaliveS, silenceGraces } from '@stratos/contracts';
import { AgentSilence } from './agent-silence';

const G = { willMs: 6000, quietMs: 6000 };

describe('AgentSilence', () => {
  it('is overdue only past the grace, counted from the first Last Will', () => {
    const silence = new AgentSilence();
    silence.disconnected('m-1', 1000);
    silence.disconnected('m-1', 5000); // a second Will does not restart the clock
    expect(silence.overdue(7000, G)).toEqual([]);
    expect(silence.overdue(7001, G)).toEqual([{ memberId: 'm-1', silentMs: 6001, cause: 'will' }]);
  });

  it('forgets a member that spoke again, and says how long it was silent', () => {
    const silence = new AgentSilence();
    silence.disconnected('m-1', 1000);
    expect(silence.heard('m-1', 3500)).toBe(2500);
    expect(silence.heard('m-1', 4000)).toBeUndefined();
    expect(silence.overdue(100_000, G)).toEqual([]);
  });

  it('finds an agent quiet past the grace without any Will, counting from its last word, its last change of state and the subscription', () => {
    const silence = new AgentSilence();
    const connected = [{ memberId: 'm-1', since: 0 }];
    // Not subscribed yet: the controller could not have heard anyone.
    expect(silence.overdue(100_000, G, connected)).toEqual([]);
    silence.listening(10_000);
    expect(silence.overdue(16_000, G, connected)).toEqual([]);
    expect(silence.overdue(16_001, G, connected)).toEqual([{ memberId: 'm-1', silentMs: 6001, cause: 'quiet' }]);
    silence.spoke('m-1', 15_000);
    silence.spoke('m-1', 12_000); // a late arrival does not move the clock back
    expect(silence.overdue(21_000, G, connected)).toEqual([]);
    expect(silence.overdue(21_001, G, connected)).toEqual([{ memberId: 'm-1', silentMs: 6001, cause: 'quiet' }]);
    // It changed state since (Starting → Active): counted from then.
    expect(silence.overdue(21_001, G, [{ memberId: 'm-1', since: 20_000 }])).toEqual([]);
    // The subscription came back: what was missed while it was down is no silence of the agent's.
    silence.listening(30_000);
    expect(silence.overdue(35_000, G, connected)).toEqual([]);
  });

  it('says will, not quiet, for a member whose Last Will came', () => {
    const silence = new AgentSilence();
    silence.listening(0);
    silence.disconnected('m-1', 1000);
    expect(silence.overdue(20_000, G, [{ memberId: 'm-1', since: 0 }])).toEqual([{ memberId: 'm-1', silentMs: 19_000, cause: 'will' }]);
  });

  it('stretches an agent\'s MQTT keepalive past its health interval only where that cannot delay its Will', () => {
    expect(agentMqttKeepaliveS({})).toBe(16); // 10 s keepalive, reports every 15 s: no ping between reports
    expect(agentMqttKeepaliveS({ agentKeepaliveS: 30, healthIntervalS: 15 })).toBe(30); // no ping between reports anyway
    expect(agentMqttKeepaliveS({ agentKeepaliveS: 10, healthIntervalS: 20 })).toBe(10); // 16 s would not outlast the interval
    expect(agentMqttKeepaliveS({ agentKeepaliveS: 2, healthIntervalS: 1 })).toBe(2); // the test platforms'
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), (keepaliveS, healthS) => {
        const stretched = agentMqttKeepaliveS({ agentKeepaliveS: keepaliveS, healthIntervalS: healthS });
        expect(stretched).toBeGreaterThanOrEqual(keepaliveS);
        if (stretched === keepaliveS) return;
        // A reporting agent no longer pings: its keepalive outlasts the gap between reports.
        expect(stretched).toBeGreaterThan(healthS);
        // A frozen agent's Will (1.5 keepalives after its last packet) comes no later after its last
        // report than before, when that last packet could be a ping a keepalive after the report.
        expect(1.5 * stretched).toBeLessThanOrEqual(keepaliveS + 1.5 * keepaliveS);
      }),
    );
  });

  it('waits 3 keepalives after a Will, and also 3 health intervals where no Will came', () => {
    expect(silenceGraces({ agentKeepaliveS: 10, healthIntervalS: 15 })).toEqual({ willMs: 30_000, quietMs: 45_000 });
    expect(silenceGraces({ agentKeepaliveS: 4, healthIntervalS: 2 })).toEqual({ willMs: 12_000, quietMs: 12_000 });
    expect(silenceGraces({})).toEqual({ willMs: 30_000, quietMs: 45_000 }); // the defaults
    const silence = new AgentSilence();
    silence.listening(0);
    silence.disconnected('w', 0);
    const connected = [{ memberId: 'q', since: 0 }];
    expect(silence.overdue(40_000, { willMs: 30_000, quietMs: 45_000 }, connected).map((s) => s.memberId)).toEqual(['w']);
    expect(silence.overdue(45_001, { willMs: 30_000, quietMs: 45_000 }, connected).map((s) => s.memberId)).toEqual(['w', 'q']);
  });

  it('forgets members that are gone', () => {
    const silence = new AgentSilence();
    silence.listening(0);
    silence.disconnected('a', 0);
    silence.spoke('b', 5000);
    silence.keepOnly(new Set(['b']));
    expect(silence.overdue(10_000, G)).toEqual([]);
    silence.keepOnly(new Set());
    // b's last word is forgotten: counted from its change of state now.
    expect(silence.overdue(10_000, G, [{ memberId: 'b', since: 9000 }])).toEqual([]);
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
        expect(silence.overdue(now, { willMs: graceMs, quietMs: graceMs }).map((o) => o.memberId).sort()).toEqual(expected);
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});
