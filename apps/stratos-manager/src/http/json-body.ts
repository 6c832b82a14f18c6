import type { NextFunction, Request, Response } from 'express';
import { describeJsonError } from '@stratos/contracts';
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
