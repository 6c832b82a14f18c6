import fc from 'fast-check';
import { parseBrokerUrls, IdentityRefusals, isIdentityRefusal } from './broker-connection';

describe('parseBrokerUrls', () => {
  it('reads every broker of a list, in order, with default ports (property)', () => {
    const broker = fc.record({ protocol: fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss', 'tcp'), host: fc.domain(), port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(broker, { minLength: 1, maxLength: 5 }), (list) => {
        const text = list.map((b) => `${b.protocol}://${b.host}${b.port === undefined ? '' : `:${b.port}`}`).join(' , ');
        const parsed = parseBrokerUrls(text);
        expect(parsed.map((p) => p.protocol)).toEqual(list.map((b) => b.protocol));
        expect(parsed.map((p) => p.host)).toEqual(list.map((b) => new URL(`${b.protocol}://${b.host}`).hostname));
        parsed.forEach((p, i) => expect(p.port).toBe(list[i].port ?? { mqtt: 1883, tcp: 1883, mqtts: 8883, ws: 80, wss: 443 }[list[i].protocol]));
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('answers any text with brokers or an error that names MB_URLS, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          expect(parseBrokerUrls(text).length).toBeGreaterThan(0);
        } catch (error) {
          expect((error as Error).message).toMatch(/^MB_URLS/);
        }
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});

describe('IdentityRefusals', () => {
  it('counts the identity removed once refused at least three times over the period, with no connect between', () => {
    const refusals = new IdentityRefusals(2000);
    expect([refusals.refused(0), refusals.refused(1000), refusals.refused(1999)]).toEqual([false, false, false]);
    expect(refusals.refusedSince).toBe(0);
    expect(refusals.refused(2000)).toBe(true);
  });

  it('forgets refusals at a connect (a password changed under it, then given), and needs three even over a long period', () => {
    const refusals = new IdentityRefusals(2000);
    refusals.refused(0);
    refusals.refused(1500);
    refusals.connected();
    expect(refusals.refusedSince).toBeNull();
    expect([refusals.refused(2500), refusals.refused(9000)]).toEqual([false, false]);
    expect(refusals.refused(9001)).toBe(true);
  });
});

describe('isIdentityRefusal', () => {
  const refusal = (message: string, code: number) => Object.assign(new Error(message), { code });
  it("takes a CONNACK's bad user name or password and not authorized, in MQTT 3.1.1 and 5, and nothing else", () => {
    expect([refusal('Connection refused: Bad username or password', 4), refusal('Connection refused: Not authorized', 5), refusal('Connection refused: Not authorized', 135), refusal('Connection refused: Bad User Name or Password', 134)].map(isIdentityRefusal)).toEqual([true, true, true, true]);
    expect([refusal('Connection refused: Server unavailable', 3), refusal('connect ECONNREFUSED 127.0.0.1:1883', 5), new Error('Keepalive timeout')].map(isIdentityRefusal)).toEqual([false, false, false]);
  });
});
