import fc from 'fast-check';
import { parseBrokerUrls } from './broker-connection';

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
