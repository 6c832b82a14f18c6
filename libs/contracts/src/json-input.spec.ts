import fc from 'fast-check';
import { badString, inspectJsonInput, JSON_INPUT_LIMITS } from './json-input';

describe('inspectJsonInput', () => {
  it('names NUL characters and unpaired surrogates by their pointer, in values and in keys', () => {
    expect(inspectJsonInput({ a: [{ 'b/c': 'x\u0000y' }] })).toEqual({ path: '/a/0/b~1c', message: 'holds a NUL character (\\u0000) at offset 1' });
    expect(inspectJsonInput({ s: 'ok \ud800' })).toEqual({ path: '/s', message: 'holds an unpaired UTF-16 surrogate at offset 3' });
    expect(inspectJsonInput({ s: '\udc00' })?.message).toMatch(/unpaired/);
    expect(inspectJsonInput({ 'k\u0000': 1 })).toEqual({ path: '/k\u0000', message: 'is a key that holds a NUL character (\\u0000) at offset 1' });
    expect(inspectJsonInput({ emoji: '😀 ok' })).toBeNull();
  });

  it('refuses keys that reach a prototype, however they arrived', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(inspectJsonInput(JSON.parse(`{"a":{"${key}":{"x":1}}}`))).toEqual({ path: `/a/${key}`, message: "is a key this API refuses (__proto__, constructor, prototype reach an object's prototype)" });
    }
  });

  it('bounds depth, arrays, strings and keys', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(inspectJsonInput(deep)?.message).toBe('is nested deeper than 32 levels');
    expect(inspectJsonInput({ a: new Array(10_001).fill(0) })).toEqual({ path: '/a', message: 'has more than 10000 items' });
    expect(inspectJsonInput({ a: 'x'.repeat(65_537) })).toEqual({ path: '/a', message: 'is longer than 65536 characters' });
    expect(inspectJsonInput(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])))).toEqual({ path: '', message: 'has more than 1000 keys' });
  });

  it('property: well-formed JSON within the limits passes; one NUL anywhere is found at its place', () => {
    const safeKey = fc.string({ maxLength: 8 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k) && badString(k) === null);
    const leaf = fc.oneof(fc.string({ maxLength: 20 }).filter((s) => badString(s) === null), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(safeKey, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        expect(inspectJsonInput(value, JSON_INPUT_LIMITS)).toBeNull();
        const poisoned = { wrapper: value, poison: ['a', `b\u0000`] };
        expect(inspectJsonInput(poisoned)).toEqual(inspectJsonInput(value) ?? { path: '/poison/1', message: 'holds a NUL character (\\u0000) at offset 1' });
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
