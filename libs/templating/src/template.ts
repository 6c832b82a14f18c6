/**
 * Executes Go text/template trees with Go's semantics: pipelines with the previous value as
 * the last argument, variables and their scopes, fields of maps and structs, if/range/with
 * (with break, continue and else), define/template/block, the builtin functions (and/or
 * short-circuit as in Go 1.18+), and Go's printing of values. Errors name the template,
 * line and column, and the action: `template: t:3:5: executing "t" at <getv "/x">: …`.
 */
import type { ArgNode, CommandNode, ListNode, Node, PipeNode } from './ast';
import { formatValue, htmlEscape, jsEscape, queryEscape, sprint, sprintf, sprintln } from './fmt';
import { TemplateSyntaxError } from './lexer';
import { lineAndColumn, parse } from './parser';
import { goFloat, GoStruct, goTypeName, isGoFloat, isGoInt, isMap, isTrue, mapGet, numeric } from './values';

export type TemplateFunction = (...args: any[]) => unknown;
/** A function with the argument counts it accepts (max -1: any). */
export interface FunctionSpec {
  fn: TemplateFunction;
  min: number;
  max: number;
}
export type FunctionMap = Record<string, FunctionSpec>;

export class TemplateExecError extends Error {}

/** Go's limit is 100000; a JavaScript stack gives out long before. */
const MAX_DEPTH = 1000;
const MAX_OUTPUT = 64 * 1024 * 1024;

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

const fn = (f: TemplateFunction, min: number, max = min): FunctionSpec => ({ fn: f, min, max });

function goLen(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  if (isMap(value)) return Object.keys(value).length;
  throw new Error(`len of type ${goTypeName(value)}`);
}

function basicKind(value: unknown): string {
  if (isGoInt(value)) return 'int';
  if (isGoFloat(value)) return 'float';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value === null || value === undefined) return 'nil';
  return 'composite';
}

function goEq(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'composite' || kb === 'composite') {
    if (a instanceof GoStruct && b instanceof GoStruct) return formatValue(a) === formatValue(b);
    throw new Error('non-comparable type');
  }
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return ka === 'float' ? numeric(a) === numeric(b) : a === b;
}

function goLess(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka === 'bool' || ka === 'composite' || ka === 'nil' || kb === 'composite' || kb === 'nil' || kb === 'bool') throw new Error(`invalid type for comparison`);
  if (ka !== kb) throw new Error('incompatible types for comparison');
  return ka === 'float' ? numeric(a)! < numeric(b)! : (a as number | string) < (b as number | string);
}

function toIndex(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`cannot index slice/array with type ${goTypeName(value)}`);
  return value;
}

function evalArgsAsString(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

/** The builtins of text/template (and/or are special: their arguments are evaluated lazily). */
export const BUILTINS: FunctionMap = {
  and: fn(() => undefined, 1, -1),
  or: fn(() => undefined, 1, -1),
  not: fn((v: unknown) => !isTrue(v), 1),
  len: fn(goLen, 1),
  index: fn((item: unknown, ...indices: unknown[]) => {
    let value = item;
    for (const index of indices) {
      if (Array.isArray(value)) {
        const i = toIndex(index);
        if (i < 0 || i >= value.length) throw new Error(`index out of range: ${i}`);
        value = value[i];
      } else if (typeof value === 'string') {
        const bytes = Buffer.from(value, 'utf8');
        const i = toIndex(index);
        if (i < 0 || i >= bytes.length) throw new Error(`index out of range: ${i}`);
        value = bytes[i];
      } else if (isMap(value)) {
        value = mapGet(value, index).value;
      } else if (value === undefined || value === null) {
        throw new Error('index of untyped nil');
      } else throw new Error(`can't index item of type ${goTypeName(value)}`);
    }
    return value;
  }, 1, -1),
  slice: fn((item: unknown, ...indices: unknown[]) => {
    if (indices.length > 3) throw new Error(`too many slice indexes: ${indices.length}`);
    const length = typeof item === 'string' ? Buffer.byteLength(item, 'utf8') : Array.isArray(item) ? item.length : -1;
    if (length < 0) throw new Error(`can't slice item of type ${goTypeName(item)}`);
    const [from = 0, to = length] = indices.map(toIndex);
    if (from < 0 || to > length || from > to) throw new Error(`index out of range: ${from}:${to}`);
    if (typeof item === 'string') return Buffer.from(item, 'utf8').subarray(from, to).toString('utf8'); // Go slices bytes
    return (item as unknown[]).slice(from, to);
  }, 1, 4),
  print: fn((...args: unknown[]) => sprint(args), 0, -1),
  printf: fn((format: unknown, ...args: unknown[]) => {
    if (typeof format !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(format)}`);
    return sprintf(format, args);
  }, 1, -1),
  println: fn((...args: unknown[]) => sprintln(args), 0, -1),
  html: fn((...args: unknown[]) => htmlEscape(evalArgsAsString(args)), 0, -1),
  js: fn((...args: unknown[]) => jsEscape(evalArgsAsString(args)), 0, -1),
  urlquery: fn((...args: unknown[]) => queryEscape(evalArgsAsString(args)), 0, -1),
  eq: fn((a: unknown, ...others: unknown[]) => {
    if (others.length === 0) throw new Error('missing argument for comparison');
    return others.some((b) => goEq(a, b));
  }, 1, -1),
  ne: fn((a: unknown, b: unknown) => !goEq(a, b), 2),
  lt: fn((a: unknown, b: unknown) => goLess(a, b), 2),
  le: fn((a: unknown, b: unknown) => goLess(a, b) || goEq(a, b), 2),
  gt: fn((a: unknown, b: unknown) => !goLess(a, b) && !goEq(a, b), 2),
  ge: fn((a: unknown, b: unknown) => !goLess(a, b), 2),
};

/** A set of parsed templates (the main one and its {{define}}s) with their functions. */
export class Template {
  private constructor(
    readonly name: string,
    private readonly text: string,
    private readonly trees: Map<string, ListNode>,
    private readonly funcs: FunctionMap,
  ) {}

  /** Parses `text`; an unknown function is a parse error, as in Go. */
  static parse(name: string, text: string, funcs: FunctionMap = {}): Template {
    const all = { ...BUILTINS, ...funcs };
    const { trees } = parse(name, text);
    for (const tree of trees.values()) checkFunctions(tree, all, (pos, message) => {
      const { line, column } = lineAndColumn(text, pos);
      throw new TemplateSyntaxError(`template: ${name}:${line}:${column}: ${message}`);
    });
    return new Template(name, text, trees, all);
  }

  execute(data: unknown): string {
    const tree = this.trees.get(this.name);
    if (!tree) throw new TemplateExecError(`template: no template "${this.name}" defined`);
    // Go: nil data is no value at all ({{.}} prints "<no value>").
    const dot = data === null ? undefined : data;
    const state = new State(this, this.text, this.funcs, dot);
    state.walkTemplate(this.name, tree, dot, 0);
    return state.output();
  }

  /** @internal */
  lookup(name: string): ListNode | undefined {
    return this.trees.get(name);
  }
}

function checkFunctions(node: Node | ListNode | PipeNode | ArgNode | CommandNode, funcs: FunctionMap, fail: (pos: number, message: string) => never): void {
  switch (node.kind) {
    case 'list':
      node.nodes.forEach((n) => checkFunctions(n, funcs, fail));
      break;
    case 'action':
      checkFunctions(node.pipe, funcs, fail);
      break;
    case 'if':
    case 'range':
    case 'with':
      checkFunctions(node.pipe, funcs, fail);
      checkFunctions(node.list, funcs, fail);
      if (node.elseList) checkFunctions(node.elseList, funcs, fail);
      break;
    case 'template':
      if (node.pipe) checkFunctions(node.pipe, funcs, fail);
      break;
    case 'pipe':
      node.cmds.forEach((c) => checkFunctions(c, funcs, fail));
      break;
    case 'command':
      node.args.forEach((a) => checkFunctions(a, funcs, fail));
      break;
    case 'identifier':
      if (!funcs[node.name]) fail(node.pos, `function "${node.name}" not defined`);
      break;
    case 'chain':
      checkFunctions(node.node, funcs, fail);
      break;
    default:
      break;
  }
}

/** How a node is shown in an error: <getv "/x">, <.Key>, <$x.a>. */
function show(node: ArgNode | CommandNode | PipeNode): string {
  switch (node.kind) {
    case 'field':
      return `.${node.ident.join('.')}`;
    case 'variable':
      return node.ident.join('.');
    case 'identifier':
      return node.name;
    case 'chain':
      return `${show(node.node)}.${node.field.join('.')}`;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(node.value);
    case 'number':
      return node.text;
    case 'string':
      return node.text;
    case 'command':
      return node.args.map((a) => (a.kind === 'pipe' ? `(${show(a)})` : show(a))).join(' ');
    case 'pipe':
      return `${node.decl.length ? `${node.decl.join(', ')} ${node.isAssign ? '=' : ':='} ` : ''}${node.cmds.map(show).join(' | ')}`;
  }
}

const MISSING = Symbol('missing final');

/** Go methods of a struct value: exported (capitalized) functions on its class. */
function hasMethod(value: unknown, name: string): boolean {
  return value instanceof GoStruct && /^[A-Z]/.test(name) && typeof value.member(name) === 'function';
}

class State {
  private readonly out: string[] = [];
  private size = 0;
  private vars: { name: string; value: unknown }[] = [];
  private current = '';
  private at: ArgNode | CommandNode | PipeNode | null = null;

  constructor(
    private readonly template: Template,
    private readonly text: string,
    private readonly funcs: FunctionMap,
    private readonly root: unknown,
  ) {}

  output(): string {
    return this.out.join('');
  }

  private fail(pos: number, message: string): never {
    const { line, column } = lineAndColumn(this.text, pos);
    const where = this.at ? ` at <${show(this.at)}>` : '';
    throw new TemplateExecError(`template: ${this.template.name}:${line}:${column}: executing "${this.current}"${where}: ${message}`);
  }

  private write(text: string): void {
    this.size += text.length;
    if (this.size > MAX_OUTPUT) throw new TemplateExecError(`template: ${this.template.name}: output exceeds ${MAX_OUTPUT} bytes`);
    this.out.push(text);
  }

  walkTemplate(name: string, tree: ListNode, dot: unknown, depth: number): void {
    const saved = { vars: this.vars, current: this.current };
    this.vars = [{ name: '$', value: dot }];
    this.current = name;
    try {
      this.walk(dot, tree, depth);
    } finally {
      this.vars = saved.vars;
      this.current = saved.current;
    }
  }

  private walk(dot: unknown, node: Node, depth: number): void {
    switch (node.kind) {
      case 'list':
        for (const child of node.nodes) this.walk(dot, child, depth);
        return;
      case 'text':
        this.write(node.text);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.write(this.printable(node.pipe, value));
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.walk(node.kind === 'with' ? value : dot, node.list, depth);
        else if (node.elseList) this.walk(dot, node.elseList, depth);
        this.vars.length = mark;
        return;
      }
      case 'range':
        return this.walkRange(dot, node, depth);
      case 'template': {
        const tree = this.template.lookup(node.name);
        this.at = null;
        if (!tree) this.fail(node.pos, `template "${node.name}" not defined`);
        if (depth + 1 > MAX_DEPTH) this.fail(node.pos, `exceeded maximum template depth (${MAX_DEPTH})`);
        const value = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
        this.walkTemplate(node.name, tree, value, depth + 1);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private walkRange(dot: unknown, node: Extract<Node, { kind: 'range' }>, depth: number): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe, true);
    const decl = node.pipe.decl;
    const each = (key: unknown, elem: unknown): boolean => {
      if (decl.length === 1) this.setVar(decl[0], elem, node.pipe.isAssign);
      if (decl.length === 2) {
        this.setVar(decl[0], key, node.pipe.isAssign);
        this.setVar(decl[1], elem, node.pipe.isAssign);
      }
      try {
        this.walk(elem, node.list, depth);
      } catch (signal) {
        if (signal === BREAK) return false;
        if (signal !== CONTINUE) throw signal;
      }
      return true;
    };
    let count = 0;
    if (Array.isArray(value)) {
      count = value.length;
      for (let i = 0; i < value.length; i++) if (!each(i, value[i])) break;
    } else if (isMap(value)) {
      const keys = value instanceof Map ? [...value.keys()] : Object.keys(value);
      keys.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
      count = keys.length;
      for (const key of keys) if (!each(key, mapGet(value, key).value)) break;
    } else if (value === undefined || value === null) {
      count = 0;
    } else {
      this.at = node.pipe;
      this.fail(node.pos, `range can't iterate over ${formatValue(value)}`);
    }
    this.vars.length = mark;
    if (count === 0 && node.elseList) this.walk(dot, node.elseList, depth);
    this.vars.length = mark;
  }

  private setVar(name: string, value: unknown, assign: boolean): void {
    if (assign) {
      for (let i = this.vars.length - 1; i >= 0; i--) {
        if (this.vars[i].name === name) {
          this.vars[i].value = value;
          return;
        }
      }
    }
    this.vars.push({ name, value });
  }

  private printable(pipe: PipeNode, value: unknown): string {
    if (typeof value === 'function') {
      this.at = pipe;
      this.fail(pipe.pos, `can't print value of type func`);
    }
    return formatValue(value);
  }

  private evalPipeline(dot: unknown, pipe: PipeNode, forRange = false): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    if (value === MISSING) value = undefined;
    if (!forRange) {
      for (const name of pipe.decl) this.setVar(name, value, pipe.isAssign);
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const first = cmd.args[0];
    this.at = cmd;
    switch (first.kind) {
      case 'field':
        return this.evalFields(dot, dot, first.ident, cmd, final, first.pos);
      case 'chain': {
        const receiver = this.evalArg(dot, first.node);
        return this.evalFields(dot, receiver, first.field, cmd, final, first.pos);
      }
      case 'identifier':
        return this.call(dot, first.name, cmd.args.slice(1), final, cmd);
      case 'variable': {
        const value = this.variable(first.ident[0], first.pos);
        if (first.ident.length === 1) {
          this.noArgs(cmd, final, first.ident[0]);
          return value;
        }
        return this.evalFields(dot, value, first.ident.slice(1), cmd, final, first.pos);
      }
      case 'pipe':
        this.noArgs(cmd, final, 'parenthesized pipeline');
        return this.evalPipeline(dot, first);
      default:
        this.noArgs(cmd, final, show(first));
        return this.evalArg(dot, first);
    }
  }

  private noArgs(cmd: CommandNode, final: unknown, what: string): void {
    if (cmd.args.length > 1 || final !== MISSING) this.fail(cmd.pos, `can't give argument to non-function ${what}`);
  }

  private variable(name: string, pos: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.fail(pos, `undefined variable: ${name}`);
  }

  private evalFields(dot: unknown, receiver: unknown, idents: string[], cmd: CommandNode, final: unknown, pos: number): unknown {
    let value = receiver;
    for (let i = 0; i < idents.length; i++) {
      const last = i === idents.length - 1;
      if (last && hasMethod(value, idents[i])) {
        const args = cmd.args.slice(1).map((a) => this.evalArg(dot, a));
        if (final !== MISSING) args.push(final);
        return this.callMethod(value, idents[i], args, pos);
      }
      if (last && (cmd.args.length > 1 || final !== MISSING)) {
        this.fail(pos, `${idents[i]} is not a method but has arguments`);
      }
      value = this.field(value, idents[i], pos);
    }
    return value;
  }

  private callMethod(receiver: unknown, name: string, args: unknown[], pos: number): unknown {
    const method = (receiver as Record<string, (...a: unknown[]) => unknown>)[name];
    if (method.length !== args.length) this.fail(pos, `wrong number of args for ${name}: want ${method.length} got ${args.length}`);
    try {
      return method.apply(receiver, args);
    } catch (error) {
      return this.fail(pos, `error calling ${name}: ${(error as Error).message}`);
    }
  }

  private field(receiver: unknown, name: string, pos: number): unknown {
    if (hasMethod(receiver, name)) return this.callMethod(receiver, name, [], pos);
    if (receiver instanceof GoStruct) {
      if (receiver.fieldNames().includes(name)) return receiver.member(name);
      return this.fail(pos, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
    }
    if (isMap(receiver)) return mapGet(receiver, name).value;
    if (receiver === undefined || receiver === null) return this.fail(pos, `nil data; no entry for key "${name}"`);
    return this.fail(pos, `can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalArg(dot: unknown, arg: ArgNode): unknown {
    switch (arg.kind) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
        return arg.value;
      case 'number':
        return arg.isInt ? arg.value : goFloat(arg.value);
      case 'string':
        return arg.value;
      case 'field': {
        let value = dot;
        for (const name of arg.ident) value = this.field(value, name, arg.pos);
        return value;
      }
      case 'variable': {
        let value = this.variable(arg.ident[0], arg.pos);
        for (const name of arg.ident.slice(1)) value = this.field(value, name, arg.pos);
        return value;
      }
      case 'chain': {
        let value = this.evalArg(dot, arg.node);
        for (const name of arg.field) value = this.field(value, name, arg.pos);
        return value;
      }
      case 'pipe':
        return this.evalPipeline(dot, arg);
      case 'identifier':
        return this.call(dot, arg.name, [], MISSING, { kind: 'command', pos: arg.pos, args: [arg] });
    }
  }

  private call(dot: unknown, name: string, argNodes: ArgNode[], final: unknown, cmd: CommandNode): unknown {
    const spec = this.funcs[name];
    if (!spec) return this.fail(cmd.pos, `"${name}" is not a defined function`);
    const count = argNodes.length + (final === MISSING ? 0 : 1);
    if (count < spec.min || (spec.max >= 0 && count > spec.max)) {
      const want = spec.max < 0 ? `at least ${spec.min}` : spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
      return this.fail(cmd.pos, `wrong number of args for ${name}: want ${want} got ${count}`);
    }
    if (name === 'and' || name === 'or') {
      const thunks = [...argNodes.map((a) => () => this.evalArg(dot, a)), ...(final === MISSING ? [] : [() => final])];
      let value: unknown;
      for (const thunk of thunks) {
        value = thunk();
        if (name === 'and' ? !isTrue(value) : isTrue(value)) return value;
      }
      return value;
    }
    const args = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== MISSING) args.push(final);
    this.at = cmd;
    try {
      return spec.fn(...args);
    } catch (error) {
      if (error instanceof TemplateExecError || error === BREAK || error === CONTINUE) throw error;
      return this.fail(cmd.pos, `error calling ${name}: ${(error as Error).message}`);
    }
  }
}
