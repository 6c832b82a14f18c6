/**
 * The lexer of Go's text/template (src/text/template/parse/lex.go), item for item: text,
 * actions between {{ and }}, trim markers ({{- and -}}), comments, and every token an action
 * can hold. Positions are kept so that errors name the line and column.
 */
export type ItemType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'rawString'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'comment'
  | 'eof';

export interface Item {
  type: ItemType;
  value: string;
  /** Offset in the template text. */
  pos: number;
}

export const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'nil', 'template', 'with']);

export class TemplateSyntaxError extends Error {}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string) => /[\p{L}\p{N}_]/u.test(c);

export function lex(input: string, where: (pos: number) => string): Item[] {
  const items: Item[] = [];
  const fail = (pos: number, message: string): never => {
    throw new TemplateSyntaxError(`template: ${where(pos)}: ${message}`);
  };
  let pos = 0;
  while (pos < input.length) {
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      items.push({ type: 'text', value: input.slice(pos), pos });
      pos = input.length;
      break;
    }
    let textEnd = open;
    let afterDelim = open + 2;
    const trimLeft = input[afterDelim] === '-' && isSpace(input[afterDelim + 1] ?? '');
    if (trimLeft) {
      afterDelim += 1;
      while (textEnd > pos && isSpace(input[textEnd - 1])) textEnd--;
    }
    if (textEnd > pos) items.push({ type: 'text', value: input.slice(pos, textEnd), pos });
    // A comment: {{/* … */}}, with optional trim markers around it.
    let p = afterDelim;
    if (trimLeft) while (isSpace(input[p] ?? '')) p++;
    if (input.startsWith('/*', p)) {
      const close = input.indexOf('*/', p + 2);
      if (close < 0) fail(open, 'unclosed comment');
      let q = close + 2;
      let trimRight = false;
      if (input[q] === ' ' || input[q] === '\t' || input[q] === '\r' || input[q] === '\n') {
        while (isSpace(input[q] ?? '')) q++;
        if (input[q] === '-' && input.startsWith('}}', q + 1)) {
          trimRight = true;
          q++;
        } else fail(close, 'comment ends before closing delimiter');
      }
      if (!input.startsWith('}}', q)) fail(close, 'comment ends before closing delimiter');
      items.push({ type: 'comment', value: input.slice(p, close + 2), pos: p });
      pos = q + 2;
      if (trimRight) while (isSpace(input[pos] ?? '')) pos++;
      continue;
    }
    items.push({ type: 'leftDelim', value: '{{', pos: open });
    pos = afterDelim;
    // Inside an action.
    let parenDepth = 0;
    for (;;) {
      if (pos >= input.length) fail(open, 'unclosed action');
      const c = input[pos];
      // Right delimiter, maybe with a trim marker: " -}}".
      if (isSpace(c)) {
        let q = pos;
        while (isSpace(input[q] ?? '')) q++;
        if (input[q] === '-' && input.startsWith('}}', q + 1)) {
          if (parenDepth > 0) fail(pos, 'unclosed left paren');
          items.push({ type: 'rightDelim', value: '}}', pos: q });
          pos = q + 3;
          while (isSpace(input[pos] ?? '')) pos++;
          break;
        }
        if (input.startsWith('}}', q)) {
          if (parenDepth > 0) fail(pos, 'unclosed left paren');
          items.push({ type: 'rightDelim', value: '}}', pos: q });
          pos = q + 2;
          break;
        }
        items.push({ type: 'space', value: input.slice(pos, q), pos });
        pos = q;
        continue;
      }
      if (input.startsWith('}}', pos)) {
        if (parenDepth > 0) fail(pos, 'unclosed left paren');
        items.push({ type: 'rightDelim', value: '}}', pos });
        pos += 2;
        break;
      }
      if (c === '|') {
        items.push({ type: 'pipe', value: c, pos: pos++ });
      } else if (c === '(') {
        parenDepth++;
        items.push({ type: 'leftParen', value: c, pos: pos++ });
      } else if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) fail(pos, `unexpected right paren`);
        items.push({ type: 'rightParen', value: c, pos: pos++ });
      } else if (c === ',') {
        items.push({ type: 'comma', value: c, pos: pos++ });
      } else if (c === ':' ) {
        if (input[pos + 1] !== '=') fail(pos, 'expected :=');
        items.push({ type: 'declare', value: ':=', pos });
        pos += 2;
      } else if (c === '=') {
        items.push({ type: 'assign', value: '=', pos: pos++ });
      } else if (c === '"') {
        let q = pos + 1;
        while (q < input.length && input[q] !== '"') {
          if (input[q] === '\\') q++;
          if (input[q] === '\n') fail(pos, 'unterminated quoted string');
          q++;
        }
        if (q >= input.length) fail(pos, 'unterminated quoted string');
        items.push({ type: 'string', value: input.slice(pos, q + 1), pos });
        pos = q + 1;
      } else if (c === '`') {
        const q = input.indexOf('`', pos + 1);
        if (q < 0) fail(pos, 'unterminated raw quoted string');
        items.push({ type: 'rawString', value: input.slice(pos, q + 1), pos });
        pos = q + 1;
      } else if (c === "'") {
        let q = pos + 1;
        while (q < input.length && input[q] !== "'") {
          if (input[q] === '\\') q++;
          q++;
        }
        if (q >= input.length) fail(pos, 'unterminated character constant');
        items.push({ type: 'char', value: input.slice(pos, q + 1), pos });
        pos = q + 1;
      } else if (c === '$') {
        let q = pos + 1;
        while (q < input.length && isAlnum(input[q])) q++;
        items.push({ type: 'variable', value: input.slice(pos, q), pos });
        pos = q;
      } else if (c === '.') {
        if (/[0-9]/.test(input[pos + 1] ?? '')) {
          pos = lexNumber(input, pos, items, fail);
          continue;
        }
        let q = pos + 1;
        while (q < input.length && isAlnum(input[q])) q++;
        items.push(q === pos + 1 ? { type: 'dot', value: '.', pos } : { type: 'field', value: input.slice(pos, q), pos });
        pos = q;
      } else if (/[0-9+-]/.test(c)) {
        pos = lexNumber(input, pos, items, fail);
      } else if (isAlnum(c)) {
        let q = pos;
        while (q < input.length && isAlnum(input[q])) q++;
        const word = input.slice(pos, q);
        const type: ItemType = KEYWORDS.has(word) ? (word === 'nil' ? 'nil' : 'keyword') : word === 'true' || word === 'false' ? 'bool' : 'identifier';
        items.push({ type, value: word, pos });
        pos = q;
      } else {
        fail(pos, `unrecognized character in action: ${JSON.stringify(c)}`);
      }
    }
  }
  items.push({ type: 'eof', value: '', pos: input.length });
  return items;
}

function lexNumber(input: string, start: number, items: Item[], fail: (pos: number, message: string) => never): number {
  const match = /^[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?\d+)?|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)i?/.exec(input.slice(start));
  const text = match?.[0] ?? '';
  if (!text || text === '+' || text === '-' || text === '.') fail(start, `bad number syntax: ${JSON.stringify(input.slice(start, start + 8))}`);
  const next = input[start + text.length];
  if (next && /[\p{L}_]/u.test(next)) fail(start, `bad number syntax: ${JSON.stringify(input.slice(start, start + text.length + 1))}`);
  items.push({ type: 'number', value: text, pos: start });
  return start + text.length;
}
