import fc from 'fast-check';
import { parseExports } from './exports';

describe('parseExports', () => {
  it('reads KEY=VALUE lines, a key again adding a value, and names the lines it cannot read', () => {
    expect(parseExports('DB_HOST=10.0.0.1\n# a comment\n\nDB_PORT=5432\nPEERS=a\nPEERS=b=c\nnot a pair\n=nokey\r\n')).toEqual({
      properties: [
        { key: 'DB_HOST', values: ['10.0.0.1'] },
        { key: 'DB_PORT', values: ['5432'] },
        { key: 'PEERS', values: ['a', 'b=c'] },
      ],
      bad: [7, 8],
    });
  });

  it('never throws, and every line is a value or a named bad line (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const { properties, bad } = parseExports(text);
        const values = properties.reduce((n, p) => n + p.values.length, 0);
        const content = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '' && !l.trimStart().startsWith('#')).length;
        expect(values + bad.length).toBe(content);
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});
