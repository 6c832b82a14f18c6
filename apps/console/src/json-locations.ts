/**
 * Where each JSON pointer of a JSON text is (its line, 1-based), so that an error the API gives at
 * `/iaasProvider/0/type` is shown on the line that holds it. A text that is not JSON yields what was
 * read before the fault, and the fault's own line.
 */
export interface JsonLocations {
  /** Pointer → the line of its key (an object member) or of its value (an array item, the root). */
  lines: Map<string, number>;
  /** Where the text stopped being JSON, if it did. */
  syntaxError: { line: number; message: string } | null;
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function jsonLocations(text: string): JsonLocations {
  const lines = new Map<string, number>();
  let at = 0;
  let line = 1;
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { line });
  };
  const skipSpace = () => {
    for (; at < text.length; at++) {
      const c = text[at];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const string = (): string => {
    if (text[at] !== '"') fail(`expected a string at line ${line}`);
    const start = at++;
    for (; at < text.length; at++) {
      const c = text[at];
      if (c === '\\') at++;
      else if (c === '"') break;
      else if (c === '\n') fail(`a string cannot span lines (line ${line})`);
    }
    if (at >= text.length) fail(`a string is not closed (line ${line})`);
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      return fail(`a string has a bad escape (line ${line})`);
    }
  };
  const value = (pointer: string, keyLine?: number): void => {
    skipSpace();
    lines.set(pointer, keyLine ?? line);
    const c = text[at];
    if (c === '{') {
      at++;
      skipSpace();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        skipSpace();
        const memberLine = line;
        const key = string();
        skipSpace();
        if (text[at] !== ':') fail(`expected ":" after the key "${key}" (line ${line})`);
        at++;
        value(`${pointer}/${escapePointer(key)}`, memberLine);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return;
        }
        fail(`expected "," or "}" (line ${line})`);
      }
    }
    if (c === '[') {
      at++;
      skipSpace();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (let index = 0; ; index++) {
        value(`${pointer}/${index}`);
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return;
        }
        fail(`expected "," or "]" (line ${line})`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400));
    if (!literal) fail(at >= text.length ? 'the text ends before its value' : `unexpected "${text[at]}" at line ${line}`);
    at += literal![0].length;
  };
  try {
    value('');
    skipSpace();
    if (at < text.length) fail(`unexpected text after the document (line ${line})`);
    return { lines, syntaxError: null };
  } catch (error) {
    return { lines, syntaxError: { line: (error as { line?: number }).line ?? line, message: (error as Error).message } };
  }
}
