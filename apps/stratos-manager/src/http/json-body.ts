import type { NextFunction, Request, Response } from 'express';
import { errorBody } from './error.filter';

/**
 * Reads JSON bodies itself (Nest's body parser is off) so that every failure gets the API's
 * error body: a body over the limit is 413 (and is not read further), malformed JSON names
 * the line and column, a body that is not JSON is 415.
 */
export function jsonBody(limitBytes: number) {
  return (request: Request, response: Response, next: NextFunction) => {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
    const declared = Number(request.headers['content-length'] ?? NaN);
    const tooLarge = () => {
      response.setHeader('Connection', 'close');
      response.status(413).json(errorBody(413, `the body is larger than the limit of ${limitBytes} bytes (STRATOS_BODY_LIMIT_BYTES)`));
    };
    if (declared > limitBytes) {
      tooLarge();
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    request.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > limitBytes) {
        aborted = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (aborted) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        request.body = undefined;
        return next();
      }
      const type = request.headers['content-type'] ?? '';
      if (type && !/json/i.test(type)) {
        response.status(415).json(errorBody(415, `the body must be JSON (Content-Type: application/json), not ${type}`));
        return;
      }
      try {
        request.body = JSON.parse(text);
      } catch (error) {
        response.status(400).json(errorBody(400, describeJsonError(text, error as Error), [{ path: '', message: 'is not valid JSON' }]));
        return;
      }
      next();
    });
    request.on('error', next);
  };
}

/** "malformed JSON at line 4, column 3: Expected double-quoted property name". */
export function describeJsonError(text: string, error: Error): string {
  const raw = error.message;
  const position = /position (\d+)/.exec(raw);
  const lineCol = /line (\d+) column (\d+)/.exec(raw);
  let where = '';
  if (lineCol) where = ` at line ${lineCol[1]}, column ${lineCol[2]}`;
  else if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = Number(position[1]) - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  } else if (/Unexpected end/i.test(raw)) {
    const lines = text.split('\n');
    where = ` at line ${lines.length}, column ${lines[lines.length - 1].length + 1} (the end: something is not closed)`;
  }
  const reason = raw.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
  return `malformed JSON${where}: ${reason}`;
}
