/** Go's fmt for template output: %v printing of values, Sprint/Sprintln, and Sprintf's verbs. */
import { GoFloat, GoStruct, goTypeName, isMap, mapGet, mapKeys, numeric } from './values';

/** strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64: the shortest digits, %e below 1e-4 and from 1e+06 (1e+06, 1.5e-05). */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const exp = Number(f.toExponential().split('e')[1]);
  if (exp < -4 || exp >= 21 || exp >= 6) return goExponent(f.toExponential());
  return String(f);
}

/** JS "1.5e+7" → Go "1.5e+07". */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** %v. */
export function formatValue(value: unknown, plus = false, depth = 0): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatFloat(value);
  if (value instanceof GoFloat) return formatFloat(value.value);
  if (typeof value === 'bigint') return value.toString();
  if (depth > 50) return '...';
  if (Array.isArray(value)) return `[${value.map((v) => formatInner(v, plus, depth)).join(' ')}]`;
  if (value instanceof GoStruct && typeof value.member('String') === 'function' && value.fieldNames().length === 0) {
    return String((value.member('String') as () => unknown).call(value)); // a Stringer, as time.Time
  }
  if (value instanceof GoStruct) {
    const fields = value.fieldNames().map((name) => `${plus ? `${name}:` : ''}${formatInner(value.member(name), plus, depth)}`);
    return `{${fields.join(' ')}}`;
  }
  if (isMap(value)) return `map[${mapKeys(value).map((k) => `${formatInner(k, plus, depth)}:${formatInner(mapGet(value, k).value, plus, depth)}`).join(' ')}]`;
  if (typeof value === 'function') return '0x0';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Inside a composite, nil prints <nil> (a missing value has no place there). */
function formatInner(value: unknown, plus: boolean, depth: number): string {
  return value === undefined ? '<nil>' : formatValue(value, plus, depth + 1);
}

/** fmt.Sprint: a space between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(arg === undefined ? null : arg);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return `${args.map((a) => formatValue(a === undefined ? null : a)).join(' ')}\n`;
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function pad(text: string, width: number | null, minus: boolean, zero: boolean): string {
  if (width === null || text.length >= width) return text;
  if (minus) return text.padEnd(width);
  if (zero) {
    const sign = /^[+-]/.test(text) ? text[0] : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

const badVerb = (verb: string, arg: unknown) => `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`;

/** fmt.Sprintf with the verbs templates use: %v %+v %s %q %d %x %X %o %b %c %e %E %f %F %g %G %t %T %U %%, flags, width and precision (also *). */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    let j = i + 1;
    let minus = false;
    let plus = false;
    let zero = false;
    let space = false;
    let sharp = false;
    for (; j < format.length && '-+0 #'.includes(format[j]); j++) {
      if (format[j] === '-') minus = true;
      else if (format[j] === '+') plus = true;
      else if (format[j] === '0') zero = true;
      else if (format[j] === ' ') space = true;
      else sharp = true;
    }
    let width: number | null = null;
    if (format[j] === '*') {
      width = Number(args[argIndex++]);
      j++;
    } else {
      const m = /^\d+/.exec(format.slice(j));
      if (m) {
        width = Number(m[0]);
        j += m[0].length;
      }
    }
    let precision: number | null = null;
    if (format[j] === '.') {
      j++;
      if (format[j] === '*') {
        precision = Number(args[argIndex++]);
        j++;
      } else {
        const m = /^\d*/.exec(format.slice(j))!;
        precision = m[0] ? Number(m[0]) : 0;
        j += m[0].length;
      }
    }
    const verb = format[j];
    i = j;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    out += pad(formatVerb(verb, arg, { plus, space, sharp, precision }), width, minus, zero && !minus && verb !== 's' && verb !== 'v' && verb !== 'q');
  }
  if (argIndex < args.length) out += `%!(EXTRA ${args.slice(argIndex).map((a) => `${goTypeName(a)}=${formatValue(a)}`).join(', ')})`;
  return out;
}

function formatVerb(verb: string, arg: unknown, f: { plus: boolean; space: boolean; sharp: boolean; precision: number | null }): string {
  const signed = (text: string, n: number) => (n >= 0 && f.plus ? `+${text}` : n >= 0 && f.space ? ` ${text}` : text);
  switch (verb) {
    case 'v':
      if (typeof arg === 'string' && f.sharp) return quote(arg);
      return formatValue(arg === undefined ? null : arg, f.plus);
    case 's':
      if (typeof arg === 'string') return f.precision !== null ? [...arg].slice(0, f.precision).join('') : arg;
      if (Array.isArray(arg) && arg.every((a) => typeof a === 'string')) return `[${arg.join(' ')}]`;
      if (typeof arg === 'number' || arg instanceof GoFloat || typeof arg === 'boolean' || arg === null || arg === undefined) return badVerb('s', arg);
      return formatValue(arg);
    case 'q':
      if (typeof arg === 'string') return quote(arg);
      if (typeof arg === 'number' && Number.isInteger(arg)) return `'${String.fromCodePoint(arg)}'`;
      if (Array.isArray(arg)) return `[${arg.map((a) => (typeof a === 'string' ? quote(a) : formatValue(a))).join(' ')}]`;
      return badVerb('q', arg);
    case 'd':
      if (typeof arg === 'number' && Number.isInteger(arg)) return signed(String(arg), arg);
      if (Array.isArray(arg)) return `[${arg.map((a) => formatVerb('d', a, f)).join(' ')}]`;
      return badVerb('d', arg);
    case 'x':
    case 'X': {
      let text: string;
      if (typeof arg === 'number' && Number.isInteger(arg)) text = (arg < 0 ? '-' : '') + Math.abs(arg).toString(16);
      else if (typeof arg === 'string') text = Buffer.from(arg, 'utf8').toString('hex');
      else return badVerb(verb, arg);
      if (f.sharp && typeof arg === 'number') text = text.replace(/^(-?)/, '$10x');
      return verb === 'X' ? text.toUpperCase().replace('0X', '0X') : text;
    }
    case 'o':
      if (typeof arg === 'number' && Number.isInteger(arg)) return (f.sharp ? '0' : '') + arg.toString(8);
      return badVerb('o', arg);
    case 'b':
      if (typeof arg === 'number' && Number.isInteger(arg)) return arg.toString(2);
      return badVerb('b', arg);
    case 'c':
      if (typeof arg === 'number' && Number.isInteger(arg)) return String.fromCodePoint(arg);
      return badVerb('c', arg);
    case 'U':
      if (typeof arg === 'number' && Number.isInteger(arg)) return `U+${arg.toString(16).toUpperCase().padStart(4, '0')}`;
      return badVerb('U', arg);
    case 't':
      if (typeof arg === 'boolean') return String(arg);
      return badVerb('t', arg);
    case 'T':
      return goTypeName(arg);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      // Go prints an int with a float verb as %!f(int=1); only floats pass.
      if (!(arg instanceof GoFloat) && !(typeof arg === 'number' && !Number.isInteger(arg))) return badVerb(verb, arg);
      const n = numeric(arg)!;
      let text: string;
      if (verb === 'e' || verb === 'E') text = goExponent(n.toExponential(f.precision ?? 6));
      else if (verb === 'f' || verb === 'F') text = n.toFixed(f.precision ?? 6);
      else text = f.precision === null ? formatFloat(n) : goExponent(Number(n.toPrecision(f.precision || 1)).toString());
      if (verb === 'E' || verb === 'G') text = text.toUpperCase();
      return signed(text, n);
    }
    default:
      return badVerb(verb, arg);
  }
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
