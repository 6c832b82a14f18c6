import type { NextFunction, Request, Response } from 'express';
import { BUNDLE_LIMITS, describeJsonError } from '@stratos/contracts';
import { errorBody } from './error.filter';

/** Archives (a cartridge's bundle) arrive as they are, with a limit of their own. */
const ARCHIVE_TYPE = /^application\/(gzip|x-gzip|x-tar\+gzip|octet-stream)\b/i;
const isArchiveRoute = (request: Request) => request.method === 'PUT' && /\/bundle\/?$/.test(request.path);

/**
 * Reads JSON bodies itself (Nest's body parser is off) so that every failure gets the API's
 * error body: a body over the limit is 413 (and is not read further), malformed JSON names
 * the line and column, a body that is not JSON is 415. A bundle upload (PUT …/bundle,
 * application/gzip) is kept as bytes, up to the bundle limit.
 */
export function jsonBody(limitBytes: number) {
  return (request: Request, response: Response, next: NextFunction) => {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
    const archive = isArchiveRoute(request) && ARCHIVE_TYPE.test(request.headers['content-type'] ?? '');
    const limit = archive ? BUNDLE_LIMITS.compressedBytes : limitBytes;
    const declared = Number(request.headers['content-length'] ?? NaN);
    const tooLarge = () => {
      response.setHeader('Connection', 'close');
      response.status(413).json(errorBody(413, archive ? `the bundle is larger than the limit of ${limit} bytes` : `the body is larger than the limit of ${limitBytes} bytes (STRATOS_BODY_LIMIT_BYTES)`));
    };
    if (declared > limit) {
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
      if (size > limit) {
        aborted = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (aborted) return;
      if (archive) {
        request.body = Buffer.concat(chunks);
        return next();
      }
      if (isArchiveRoute(request)) {
        response.status(415).json(errorBody(415, `a bundle is a gzipped tar archive (Content-Type: application/gzip), not ${request.headers['content-type'] ?? 'an untyped body'}`));
        return;
      }
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
        (request as { rawBody?: string }).rawBody = text; // what a git hook's signature covers
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
