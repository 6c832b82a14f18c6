import fc from 'fast-check';
import { reachableFrom } from './member-network';

describe('reachableFrom', () => {
  it('replaces loopback hosts, keeps the rest, credentials, ports and paths', () => {
    expect(reachableFrom('mqtt://member:pw@127.0.0.1:1883', '172.18.0.1')).toBe('mqtt://member:pw@172.18.0.1:1883');
    expect(reachableFrom('http://localhost:9443/api/metadata', '172.18.0.1')).toBe('http://172.18.0.1:9443/api/metadata');
    expect(reachableFrom('mqtt://127.0.0.1:1, mqtt://broker.lan:1883', '10.0.0.1')).toBe('mqtt://10.0.0.1:1,mqtt://broker.lan:1883');
    expect(reachableFrom('not a url', '10.0.0.1')).toBe('not a url');
  });

  it('property: a URL whose host is not loopback comes back as it was', () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        fc.pre(!/^https?:\/\/(127\.|localhost)/i.test(url) && new URL(url).toString() === url);
        expect(reachableFrom(url, '10.0.0.1')).toBe(url);
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
