/**
 * The qingcloud dialect against the cases QingCloud's confd checks for its functions
 * (yunify/confd template_funcs_ext_test.go), written here as this project's own.
 */
import { storeFor } from '../resource';
import { Template } from '../template';
import { GoTime } from '../go-time';
import { GoFloat, KVPair } from '../values';
import { confdFunctions } from './confd';
import { KeyValueStore } from '../store';

const funcs = confdFunctions(new KeyValueStore(), {}, 'qingcloud');
const call = (name: string, ...args: unknown[]) => funcs[name].fn(...args);
const value = (v: unknown) => (v instanceof GoFloat ? { float: v.value } : typeof v === 'number' && !Number.isInteger(v) ? { float: v } : v);

describe('qingcloud dialect', () => {
  it.each([
    [3, 2, 'add', 5], [3, 2, 'sub', 1], [3, 2, 'mul', 6], [3, 2, 'div', 1],
    [new GoFloat(3), 2, 'add', { float: 5 }], [new GoFloat(3), 2, 'div', { float: 1.5 }],
    [3, new GoFloat(2), 'sub', { float: 1 }], [3, new GoFloat(2), 'div', { float: 1.5 }],
    [-3, 2, 'div', -1], [3, -2, 'mul', -6], [0, 0, 'add', 0], [0, 0, 'mul', 0],
    ['3', '2', 'add', 5], ['3', '2', 'div', 1], ['3.0', '2', 'add', { float: 5 }], ['3.0', '2', 'div', { float: 1.5 }],
    ['3', '2.0', 'mul', { float: 6 }], ['3.0', '2.0', 'sub', { float: 1 }],
  ])('%p %s %p', (a, b, op, expected) => {
    expect(value(call(op as string, a, b))).toEqual(expected);
  });

  it.each([
    ['foo', 'bar', 'add', /Can't apply the operator to the value \[foo\]/],
    [3, 'foo', 'add', /Can't apply the operator to the value \[foo\]/],
    [3, 0, 'div', /Can't divide the value by 0/],
    [new GoFloat(3), 0, 'div', /Can't divide the value by 0/],
    [3, new GoFloat(0), 'div', /Can't divide the value by 0/],
    [true, 1, 'add', /Can't apply the operator to the values/],
  ])('%p %s %p fails', (a, b, op, message) => {
    expect(() => call(op as string, a, b)).toThrow(message);
  });

  it('mod takes integers (and integer strings) only', () => {
    expect(call('mod', 3, 2)).toBe(1);
    expect(call('mod', '3', 2)).toBe(1);
    expect(call('mod', 3, '2')).toBe(1);
    expect(call('mod', 0, 3)).toBe(0);
    expect(() => call('mod', 3, 0)).toThrow("The number can't be divided by zero at modulo operation");
    expect(() => call('mod', 3.1, 2)).toThrow("Modulo operator can't be used with non integer value");
    expect(() => call('mod', 3, 2.1)).toThrow("Modulo operator can't be used with non integer value");
  });

  it('max and min give float64s', () => {
    expect(value(call('max', 3, 2))).toEqual({ float: 3 });
    expect(value(call('max', '3', 2))).toEqual({ float: 3 });
    expect(value(call('max', 3.1, 3))).toEqual({ float: 3.1 });
    expect(value(call('min', 3.0001, 3.00011))).toEqual({ float: 3.0001 });
    expect(() => call('max', 3, 'a')).toThrow();
  });

  const at = (s: string) => new Date(`${s}T00:00:00Z`);
  it.each([
    [5, 8, -1], [8, 5, 1], [5, 5, 0], [-2, 1, -1], [2, -5, 1], [0, 1.23, -1], [1.1, 1.1, 0], [1.23, 0, 1],
    ['5', '5', 0], ['5', 5, 0], [5, '5', 0], [5.1, '5.1', 0], [new GoFloat(5), '5', 0], [5, '5.0', 0],
    ['8', 5, 1], [5, '8', -1], ['8', '5', 1], ['8', '5.1', 1], ['8', 5.1, 1], [8, '5.1', 1], ['5', '0001', 1],
    ['a', 'a', 0], ['a', 'b', -1], ['b', 'a', 1], [[100, 99], [1, 2, 3, 4], -1],
  ])('compares %p with %p as %p', (left, right, expected) => {
    expect([call('lt', left, right), call('gt', left, right), call('le', left, right), call('ge', left, right)]).toEqual([expected < 0, expected > 0, expected <= 0, expected >= 0]);
    if (!Array.isArray(left)) expect(call('eq', left, right)).toBe(expected === 0);
    if (!Array.isArray(left)) expect(call('ne', left, right)).toBe(expected !== 0);
  });

  it('compares times by their instant', () => {
    expect(call('lt', new GoTime(at('2015-11-19')), new GoTime(at('2015-11-20')))).toBe(true);
    expect(call('ge', new GoTime(at('2015-11-20')), new GoTime(at('2015-11-20')))).toBe(true);
  });

  it('filters strings and key/value pairs by a regular expression', () => {
    expect(call('filter', 'a[123]', ['a1', 'b1', 'a2', 'b2', 'a3', 'b3'])).toEqual(['a1', 'a2', 'a3']);
    expect(call('filter', 'a[123]', ['a1', 1, 'a2', 2])).toEqual(['a1', 'a2']);
    const pairs = [new KVPair('k1', 'a1'), new KVPair('k2', 'b1'), new KVPair('k3', 'a3')];
    expect(call('filter', 'a[123]', pairs)).toEqual([pairs[0], pairs[2]]);
    expect(() => call('filter', 'a.**', ['a1'])).toThrow();
    expect(() => call('filter', 'a', 'a1')).toThrow('filter only support slice or array.');
  });

  it('writes JSON and YAML', () => {
    expect(call('toJson', ['a1', 'b1'])).toBe('["a1","b1"]');
    expect(call('toJson', 'a1')).toBe('"a1"');
    expect(call('toJson', 1)).toBe('1');
    expect(call('toYaml', ['a1', 'b1'])).toBe('- a1\n- b1\n');
    expect(call('toYaml', 'a1')).toBe('a1\n');
    expect(call('toYaml', 1)).toBe('1\n');
    expect(call('toYaml', { name: 'test', addr: ['a1', 'a2'] })).toBe('name: test\naddr:\n- a1\n- a2\n');
  });

  it.each([
    ['add to a value', { '/test/key': '1' }, 'val: {{add (getv "/test/key") 1}}', 'val: 2'],
    ['sub', { '/test/key': '2' }, 'val: {{sub (getv "/test/key") 1}}', 'val: 1'],
    ['div of an int string', { '/test/key': '3' }, 'val: {{div (getv "/test/key") 2}}', 'val: 1'],
    ['div of a float string', { '/test/key': '3.00' }, 'val: {{div (getv "/test/key") 2}}', 'val: 1.5'],
    ['mul', { '/test/key': '3' }, 'val: {{mul (getv "/test/key") 2}}', 'val: 6'],
    ['gt', { '/test/key': '3' }, 'val: {{if gt (getv "/test/key") 2}}gt{{end}}', 'val: gt'],
    ['lt', { '/test/key': '1' }, 'val: {{if lt (getv "/test/key") 2}}lt{{end}}', 'val: lt'],
    ['mod', { '/test/key': '3' }, 'val: {{mod (getv "/test/key") 2}}', 'val: 1'],
    ['max of a length', { '/test/key/n1': 'v1', '/test/key/n2': 'v2' }, '{{$nodes := gets "/test/key/*"}}len: {{len $nodes}} max: {{max (len $nodes) 3}}', 'len: 2 max: 3'],
    ['filter of lsdir', { '/test/data/a1/v1': '1', '/test/data/b1/v1': '2', '/test/data/a2/v2': '3', '/test/data/b2/v2': '4' }, '{{range lsdir "/test/data" | filter "a[123]"}}{{.}} {{end}}', 'a1 a2 '],
  ])('in a template: %s', (_name, keys, text, expected) => {
    const store = storeFor({ keys: ['/test'], prefix: '' }, keys);
    expect(Template.parse('t', text, confdFunctions(store, {}, 'qingcloud')).execute(null)).toBe(expected);
  });
});
