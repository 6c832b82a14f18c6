import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { urlIssue } from './json-body';

describe('urlIssue: what a URL holds that the API does not accept', () => {
  it('names the segment with a NUL, and the query key whose value has one', () => {
    expect(urlIssue('/api/cartridges/a%00b')).toEqual({ path: 'a%00b', message: 'holds a NUL character (\\u0000) at offset 1' });
    expect(urlIssue('/api/members/x/logs?tail=%00')).toEqual({ path: '?tail', message: 'holds a NUL character (\\u0000) at offset 0' });
    expect(urlIssue('/api/cartridges/%E0%A4%A')).toEqual({ path: '%E0%A4%A', message: 'is not valid percent-encoding' });
    expect(urlIssue('/api/cartridges/%ED%A0%80')).toEqual({ path: '%ED%A0%80', message: 'is not valid percent-encoding' }); // a surrogate in UTF-8
    expect(urlIssue('/api/cartridges/php?limit=10&offset=0')).toBeNull();
  });

  it('accepts any text percent-encoded into a segment or a query value, unless it holds a NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const encoded = encodeURIComponent(text);
        const inPath = urlIssue(`/api/cartridges/${encoded}`);
        const inQuery = urlIssue(`/api/cartridges?category=${encoded}`);
        if (text.includes('\0')) {
          expect(inPath).toEqual({ path: encoded, message: expect.stringMatching(/^holds a NUL character/) });
          expect(inQuery).toEqual({ path: '?category', message: expect.stringMatching(/^holds a NUL character/) });
        } else {
          expect([inPath, inQuery]).toEqual([null, null]);
        }
      }),
      { seed: 20261205, numRuns: 500 },
    );
  });

  it('refuses a % that does not start two hex digits, wherever it is in a segment', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9-]{0,8}$/), fc.stringMatching(/^[g-z][a-z0-9]?$/), fc.stringMatching(/^[a-z0-9-]{0,8}$/), (before, notHex, after) => {
        const segment = `${before}%${notHex}${after}`;
        expect(urlIssue(`/api/cartridges/${segment}`)).toEqual({ path: segment, message: 'is not valid percent-encoding' });
      }),
      { seed: 20261205, numRuns: 300 },
    );
  });
});
