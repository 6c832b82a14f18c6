import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jsonLocations } from './json-locations';

function pointersOf(value: unknown, pointer = ''): string[] {
  const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
  if (Array.isArray(value)) return [pointer, ...value.flatMap((item, i) => pointersOf(item, `${pointer}/${i}`))];
  if (value && typeof value === 'object') return [pointer, ...Object.entries(value).flatMap(([k, v]) => pointersOf(v, `${pointer}/${escape(k)}`))];
  return [pointer];
}

describe('jsonLocations', () => {
  it('finds the line of a key deep in a cartridge', () => {
    const text = JSON.stringify({ type: 'php', iaasProvider: [{ type: 'local', imageId: 'x' }] }, null, 2);
    const { lines, syntaxError } = jsonLocations(text);
    expect(syntaxError).toBeNull();
    expect(text.split('\n')[lines.get('/iaasProvider/0/imageId')! - 1]).toContain('"imageId"');
    expect(lines.get('')).toBe(1);
  });

  it('escapes / and ~ in keys as JSON pointers do', () => {
    const { lines } = jsonLocations('{\n"a/b": {\n"c~d": 1}}');
    expect(lines.get('/a~1b')).toBe(2);
    expect(lines.get('/a~1b/c~0d')).toBe(3);
  });

  it('says where a text stops being JSON, keeping what it read before', () => {
    const { lines, syntaxError } = jsonLocations('{\n  "type": "php",\n  "category" "x"\n}');
    expect(lines.get('/type')).toBe(2);
    expect(syntaxError).toEqual({ line: 3, message: expect.stringContaining('":"') });
    expect(jsonLocations('').syntaxError).not.toBeNull();
    expect(jsonLocations('{} x').syntaxError!.message).toContain('after the document');
  });

  it('knows every pointer of any document, each on a line that holds its key (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const { lines, syntaxError } = jsonLocations(text);
        expect(syntaxError).toBeNull();
        expect([...lines.keys()].sort()).toEqual([...new Set(pointersOf(value))].sort());
        const textLines = text.split('\n');
        for (const [pointer, line] of lines) {
          const key = pointer.split('/').at(-1)!.replace(/~1/g, '/').replace(/~0/g, '~');
          if (pointer !== '' && !/^\d+$/.test(key)) expect(textLines[line - 1]).toContain(JSON.stringify(key));
        }
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('never throws, whatever the text (property)', () => {
    fc.assert(fc.property(fc.string(), (text) => void jsonLocations(text)), { seed: 14, numRuns: 500 });
  });
});
