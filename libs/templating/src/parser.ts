/**
 * The parser of Go's text/template (src/text/template/parse/parse.go): actions, pipelines,
 * variables, if/range/with with else (and else if / else with), break and continue,
 * define/template/block. A template that does not parse is an error naming the template,
 * line and column, and what was found.
 */
import type { ArgNode, CommandNode, ListNode, Node, PipeNode } from './ast';
import { lex, TemplateSyntaxError, type Item } from './lexer';

export interface ParsedTemplates {
  /** The templates by name: the main one and every {{define}} / {{block}}. */
  trees: Map<string, ListNode>;
}

export function lineAndColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

function unquote(text: string, where: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    if (e === 'x') {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (e === 'U') {
      out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
      i += 8;
    } else if (e in simple) out += simple[e];
    else throw new TemplateSyntaxError(`template: ${where}: invalid syntax: ${text}`);
  }
  return out;
}

export function parse(name: string, text: string, trees = new Map<string, ListNode>()): ParsedTemplates {
  const where = (pos: number) => {
    const { line, column } = lineAndColumn(text, pos);
    return `${name}:${line}:${column}`;
  };
  const items = lex(text, where);
  let i = 0;
  const fail = (item: Item, message: string): never => {
    throw new TemplateSyntaxError(`template: ${where(item.pos)}: ${message}`);
  };
  const peek = (): Item => items[i];
  const next = (): Item => items[i++];
  const peekNonSpace = (): Item => {
    let j = i;
    while (items[j].type === 'space') j++;
    return items[j];
  };
  const nextNonSpace = (): Item => {
    let item = next();
    while (item.type === 'space') item = next();
    return item;
  };
  const describe = (item: Item) => (item.type === 'eof' ? 'EOF' : item.type === 'rightDelim' ? '"}}"' : JSON.stringify(item.value));
  const expect = (type: Item['type'], context: string): Item => {
    const item = nextNonSpace();
    if (item.type !== type) fail(item, `unexpected ${describe(item)} in ${context}`);
    return item;
  };

  /** Parses until {{end}} / {{else}} (returned as the stop word) or EOF at top level. */
  const parseList = (context: string | null, variables: string[]): { list: ListNode; stop: string | null; stopItem: Item } => {
    const list: ListNode = { kind: 'list', pos: peek().pos, nodes: [] };
    for (;;) {
      const item = next();
      if (item.type === 'eof') {
        if (context) fail(item, `unexpected EOF in ${context}`);
        return { list, stop: null, stopItem: item };
      }
      if (item.type === 'text') {
        list.nodes.push({ kind: 'text', pos: item.pos, text: item.value });
        continue;
      }
      if (item.type === 'comment') continue;
      // leftDelim
      const word = peekNonSpace();
      if (word.type === 'keyword' && (word.value === 'end' || word.value === 'else')) {
        nextNonSpace();
        if (!context) fail(word, `unexpected {{${word.value}}}`);
        return { list, stop: word.value, stopItem: word };
      }
      if (word.type === 'keyword' && word.value === 'define') {
        nextNonSpace();
        if (context) fail(word, 'unexpected <define> in ' + context);
        const nameItem = nextNonSpace();
        if (nameItem.type !== 'string' && nameItem.type !== 'rawString') fail(nameItem, `unexpected ${describe(nameItem)} in define clause`);
        expect('rightDelim', 'define clause');
        const body = parseList('define', ['$']);
        if (body.stop !== 'end') fail(body.stopItem, 'unexpected {{else}} in define');
        expect('rightDelim', 'end');
        trees.set(unquote(nameItem.value, where(nameItem.pos)), body.list);
        continue;
      }
      list.nodes.push(parseAction(item, variables));
    }
  };

  const parseAction = (delim: Item, variables: string[]): Node => {
    const word = peekNonSpace();
    if (word.type === 'keyword') {
      switch (word.value) {
        case 'if':
        case 'range':
        case 'with': {
          nextNonSpace();
          return parseControl(word.value, word, variables);
        }
        case 'template':
        case 'block': {
          nextNonSpace();
          const nameItem = nextNonSpace();
          if (nameItem.type !== 'string' && nameItem.type !== 'rawString') fail(nameItem, `unexpected ${describe(nameItem)} in ${word.value} clause`);
          const templateName = unquote(nameItem.value, where(nameItem.pos));
          let pipe: PipeNode | null = null;
          if (peekNonSpace().type !== 'rightDelim') pipe = parsePipeline(`${word.value} clause`, variables, false);
          else nextNonSpace();
          if (word.value === 'block') {
            if (!pipe) fail(word, 'missing pipeline in block clause');
            const body = parseList('block', ['$']);
            if (body.stop !== 'end') fail(body.stopItem, 'unexpected {{else}} in block');
            expect('rightDelim', 'end');
            trees.set(templateName, body.list);
          }
          return { kind: 'template', pos: word.pos, name: templateName, pipe };
        }
        case 'break':
        case 'continue': {
          nextNonSpace();
          if (!variables.includes('\u0000range')) fail(word, `{{${word.value}}} outside {{range}}`);
          expect('rightDelim', word.value);
          return { kind: word.value, pos: word.pos };
        }
        default:
          break;
      }
    }
    return { kind: 'action', pos: delim.pos, pipe: parsePipeline('command', variables, false) };
  };

  const parseControl = (kind: 'if' | 'range' | 'with', keyword: Item, variables: string[]): Node => {
    const scope = [...variables];
    const pipe = parsePipeline(kind, scope, kind === 'range');
    const bodyScope = kind === 'range' ? [...scope, '\u0000range'] : scope;
    const body = parseList(kind, bodyScope);
    let elseList: ListNode | null = null;
    if (body.stop === 'else') {
      // {{else if …}} / {{else with …}}: a nested control as the whole else branch.
      const after = peekNonSpace();
      if ((kind === 'if' && after.type === 'keyword' && after.value === 'if') || (kind === 'with' && after.type === 'keyword' && after.value === 'with')) {
        nextNonSpace();
        const nested = parseControl(kind, after, variables);
        elseList = { kind: 'list', pos: after.pos, nodes: [nested] };
        return { kind, pos: keyword.pos, pipe, list: body.list, elseList };
      }
      expect('rightDelim', 'else');
      const rest = parseList(kind, scope);
      if (rest.stop !== 'end') fail(rest.stopItem, `expected end; found {{else}}`);
      elseList = rest.list;
    }
    expect('rightDelim', 'end');
    return { kind, pos: keyword.pos, pipe, list: body.list, elseList };
  };

  /** A pipeline up to "}}" (or ")" when inside parentheses). */
  const parsePipeline = (context: string, variables: string[], allowTwo: boolean, end: 'rightDelim' | 'rightParen' = 'rightDelim'): PipeNode => {
    const pipe: PipeNode = { kind: 'pipe', pos: peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    // Declarations: $x := …, $x = …, $i, $v := … (range).
    const start = i;
    const first = peekNonSpace();
    if (first.type === 'variable') {
      nextNonSpace();
      const after = peekNonSpace();
      if (after.type === 'declare' || after.type === 'assign') {
        nextNonSpace();
        pipe.isAssign = after.type === 'assign';
        pipe.decl.push(first.value);
        if (!pipe.isAssign) variables.push(first.value);
        else if (!variables.includes(first.value)) fail(first, `undefined variable "${first.value}"`);
      } else if (after.type === 'comma' && allowTwo) {
        nextNonSpace();
        const second = nextNonSpace();
        if (second.type !== 'variable') fail(second, `range can only initialize variables`);
        const op = nextNonSpace();
        if (op.type !== 'declare' && op.type !== 'assign') fail(op, `range can only initialize variables`);
        pipe.isAssign = op.type === 'assign';
        pipe.decl.push(first.value, second.value);
        if (!pipe.isAssign) variables.push(first.value, second.value);
      } else {
        i = start;
      }
    }
    for (;;) {
      const item = peekNonSpace();
      if (item.type === end) {
        nextNonSpace();
        if (pipe.cmds.length === 0) fail(item, `missing value for ${context}`);
        return pipe;
      }
      if (item.type === 'eof' || (item.type === 'rightDelim' && end === 'rightParen')) fail(item, `unclosed action`);
      if (item.type === 'rightParen') fail(item, 'unexpected right paren');
      pipe.cmds.push(parseCommand(variables, end));
    }
  };

  const parseCommand = (variables: string[], end: 'rightDelim' | 'rightParen'): CommandNode => {
    const cmd: CommandNode = { kind: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      const item = peekNonSpace();
      if (item.type === end || item.type === 'rightDelim' || item.type === 'rightParen' || item.type === 'eof') break;
      if (item.type === 'pipe') {
        nextNonSpace();
        if (cmd.args.length === 0) fail(item, 'missing command');
        if (peekNonSpace().type === end) fail(item, 'missing command');
        return cmd;
      }
      cmd.args.push(parseOperand(variables));
      // Operands must be separated by spaces (Go: "missing space?").
      const after = peek();
      if (after.type !== 'space' && after.type !== 'pipe' && after.type !== end && after.type !== 'rightDelim' && after.type !== 'rightParen' && after.type !== 'eof') {
        fail(after, `unexpected ${describe(after)} in operand`);
      }
    }
    if (cmd.args.length === 0) fail(peekNonSpace(), 'empty command');
    return cmd;
  };

  const parseOperand = (variables: string[]): ArgNode => {
    const item = nextNonSpace();
    let node: ArgNode;
    switch (item.type) {
      case 'field':
        node = { kind: 'field', pos: item.pos, ident: item.value.slice(1).split('.') };
        break;
      case 'variable': {
        if (!variables.includes(item.value) && item.value !== '$') fail(item, `undefined variable "${item.value}"`);
        node = { kind: 'variable', pos: item.pos, ident: [item.value] };
        break;
      }
      case 'identifier':
        node = { kind: 'identifier', pos: item.pos, name: item.value };
        break;
      case 'dot':
        node = { kind: 'dot', pos: item.pos };
        break;
      case 'nil':
        node = { kind: 'nil', pos: item.pos };
        break;
      case 'bool':
        node = { kind: 'bool', pos: item.pos, value: item.value === 'true' };
        break;
      case 'number':
        node = parseNumber(item);
        break;
      case 'char': {
        const value = unquote(`"${item.value.slice(1, -1).replace(/"/g, '\\"')}"`, where(item.pos));
        node = { kind: 'number', pos: item.pos, text: item.value, value: value.codePointAt(0) ?? 0, isInt: true, isChar: true };
        break;
      }
      case 'string':
      case 'rawString':
        node = { kind: 'string', pos: item.pos, text: item.value, value: unquote(item.value, where(item.pos)) };
        break;
      case 'leftParen':
        node = parsePipeline('parenthesized pipeline', variables, false, 'rightParen');
        break;
      default:
        return fail(item, `unexpected ${describe(item)} in operand`);
    }
    // A field chain after the operand: (x).a.b, $x.a.b
    while (peek().type === 'field') {
      const field = next();
      const parts = field.value.slice(1).split('.');
      if (node.kind === 'variable' || node.kind === 'field') node.ident.push(...parts);
      else if (node.kind === 'chain') node.field.push(...parts);
      else node = { kind: 'chain', pos: node.pos, node, field: parts };
    }
    return node;
  };

  const parseNumber = (item: Item): ArgNode => {
    const clean = item.value.replace(/_/g, '');
    let value: number;
    let isInt = false;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(clean) || /^[+-]?0[bB][01]+$/.test(clean) || /^[+-]?0[oO][0-7]+$/.test(clean)) {
      const sign = clean.startsWith('-') ? -1 : 1;
      value = sign * Number(clean.replace(/^[+-]/, ''));
      isInt = true;
    } else if (/^[+-]?0[0-7]+$/.test(clean)) {
      value = parseInt(clean, 8);
      isInt = true;
    } else {
      value = Number(clean);
      isInt = /^[+-]?\d+$/.test(clean);
      if (!isInt && Number.isInteger(value) && !/[.eE]/.test(clean)) isInt = true;
    }
    if (Number.isNaN(value)) fail(item, `illegal number syntax: ${JSON.stringify(item.value)}`);
    return { kind: 'number', pos: item.pos, text: item.value, value, isInt };
  };

  const { list } = parseList(null, ['$']);
  if (!trees.has(name) || list.nodes.some((n) => n.kind !== 'text' || n.text.trim() !== '')) trees.set(name, list);
  return { trees };
}
