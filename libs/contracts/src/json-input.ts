/**
 * What every JSON input (a REST body, an agent's MQTT message) must be before anything reads
 * it: strings without NUL or unpaired UTF-16 surrogates (PostgreSQL stores neither), no keys that
 * reach an object's prototype (`__proto__`, `constructor`, `prototype`), and bounded depth,
 * array length, string length and key count. The first offence is named by its JSON pointer.
 */
import type { FieldIssue } from './errors';

export interface JsonInputLimits {
  maxDepth: number;
  maxArrayLength: number;
  maxStringLength: number;
  maxKeys: number;
}

export const JSON_INPUT_LIMITS: JsonInputLimits = { maxDepth: 32, maxArrayLength: 10_000, maxStringLength: 65_536, maxKeys: 1_000 };

export const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];

const pointerOf = (path: (string | number)[]) => path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/** Why a string cannot be stored, or null. */
export function badString(text: string): string | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return `holds a NUL character (\\u0000) at offset ${i}`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `holds an unpaired UTF-16 surrogate at offset ${i}`;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return `holds an unpaired UTF-16 surrogate at offset ${i}`;
  }
  return null;
}

/** The first thing in `value` this platform does not accept, at its JSON pointer; null when it is all fine. */
export function inspectJsonInput(value: unknown, limits: JsonInputLimits = JSON_INPUT_LIMITS): FieldIssue | null {
  const path: (string | number)[] = [];
  const visit = (node: unknown, depth: number): FieldIssue | null => {
    if (depth > limits.maxDepth) return { path: pointerOf(path), message: `is nested deeper than ${limits.maxDepth} levels` };
    if (typeof node === 'string') {
      if (node.length > limits.maxStringLength) return { path: pointerOf(path), message: `is longer than ${limits.maxStringLength} characters` };
      const bad = badString(node);
      return bad ? { path: pointerOf(path), message: bad } : null;
    }
    if (Array.isArray(node)) {
      if (node.length > limits.maxArrayLength) return { path: pointerOf(path), message: `has more than ${limits.maxArrayLength} items` };
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        const issue = visit(node[i], depth + 1);
        path.pop();
        if (issue) return issue;
      }
      return null;
    }
    if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      if (keys.length > limits.maxKeys) return { path: pointerOf(path), message: `has more than ${limits.maxKeys} keys` };
      for (const key of keys) {
        path.push(key);
        const bad = FORBIDDEN_KEYS.includes(key) ? `is a key this API refuses (${FORBIDDEN_KEYS.join(', ')} reach an object's prototype)` : key.length > limits.maxStringLength ? `is a key longer than ${limits.maxStringLength} characters` : badString(key) ? `is a key that ${badString(key)}` : null;
        const issue = bad ? { path: pointerOf(path), message: bad } : visit((node as Record<string, unknown>)[key], depth + 1);
        path.pop();
        if (issue) return issue;
      }
    }
    return null;
  };
  return visit(value, 0);
}
