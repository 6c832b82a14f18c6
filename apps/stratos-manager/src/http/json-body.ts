import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badString, BUNDLE_LIMITS, describeJsonError, IMPORT_LIMITS, inspectJsonInput, type FieldIssue } from '@stratos/contracts';
import { errorBody } from './error.filter';
import { chooseRequestId, requestIdOf } from './request-id';
import { pathOf, sendJson, type RawRequest } from './raw-http';

/** Archives arrive as they are, each kind with its type and limit: a cartridge's bundle, a Stratos folder to import. */
interface ArchiveRoute {
  what: string;
  type: RegExp;
  limit: number;
  expected: string;
}
const BUNDLE_ROUTE: ArchiveRoute = { what: 'the bundle', type: /^application\/(gzip|x-gzip|x-tar\+gzip|octet-stream)\b/i, limit: BUNDLE_LIMITS.compressedBytes, expected: 'a bundle is a gzipped tar archive (Content-Type: application/gzip)' };
const IMPORT_ROUTE: ArchiveRoute = { what: 'the archive', type: /^application\/(zip|x-zip-compressed|octet-stream)\b/i, limit: IMPORT_LIMITS.compressedBytes, expected: 'an import is a zip of a Stratos folder (Content-Type: application/zip)' };
function archiveRouteOf(request: RawRequest): ArchiveRoute | null {
  if (request.method === 'PUT' && /\/bundle\/?$/.test(pathOf(request))) return BUNDLE_ROUTE;
  if (request.method === 'POST' && /^\/api\/import\/?$/i.test(pathOf(request))) return IMPORT_ROUTE;
  return null;
}

/** Fastify hands routes the body jsonBody read (its own parsers are removed: they would read it again). */
export function passParsedBody(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) => done(null, (request.raw as RawRequest).body));
}

/**
 * Reads JSON bodies itself (Nest's body parser is off) so that every failure gets the API's
 * error body: a body over the limit is 413 (and is not read further), malformed JSON names
 * the line and column, a body that is not JSON is 415. A bundle upload (PUT …/bundle,
 * application/gzip) and an import (POST /api/import, application/zip) are kept as bytes, up to
 * their own limits.
 */
export function jsonBody(limitBytes: number) {
  return (request: RawRequest, response: ServerResponse, next: (error?: unknown) => void) => {
    const method = request.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') return next();
    const route = archiveRouteOf(request);
    const archive = route !== null && route.type.test(request.headers['content-type'] ?? '');
    const limit = archive ? route.limit : limitBytes;
    const declared = Number(request.headers['content-length'] ?? NaN);
    const tooLarge = () => {
      response.setHeader('Connection', 'close');
      sendJson(response, 413, errorBody(413, archive ? `${route.what} is larger than the limit of ${limit} bytes` : `the body is larger than the limit of ${limitBytes} bytes (STRATOS_BODY_LIMIT_BYTES)`, [], requestIdOf(request)));
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
      if (route) {
        sendJson(response, 415, errorBody(415, `${route.expected}, not ${request.headers['content-type'] ?? 'an untyped body'}`, [], requestIdOf(request)));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        request.body = undefined;
        return next();
      }
      const type = request.headers['content-type'] ?? '';
      if (type && !/json/i.test(type)) {
        sendJson(response, 415, errorBody(415, `the body must be JSON (Content-Type: application/json), not ${type}`, [], requestIdOf(request)));
        return;
      }
      try {
        request.rawBody = text; // what a git hook's signature covers
        request.body = JSON.parse(text);
      } catch (error) {
        sendJson(response, 400, errorBody(400, describeJsonError(text, error as Error), [{ path: '', message: 'is not valid JSON' }], requestIdOf(request)));
        return;
      }
      const issue = inspectJsonInput(request.body);
      if (issue) {
        sendJson(response, 400, errorBody(400, `the body holds what this API does not accept, at ${issue.path || 'its root'}`, [issue], requestIdOf(request)));
        return;
      }
      next();
    });
    request.on('error', next);
  };
}

/** What the URL holds that this API does not accept (where, and why), or null. */
export function urlIssue(url: string): FieldIssue | null {
  const [path, query = ''] = url.split('?', 2);
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { path: segment, message: 'is not valid percent-encoding' };
    }
    const bad = badString(decoded);
    if (bad) return { path: segment, message: bad };
  }
  for (const [key, value] of new URLSearchParams(query)) {
    const bad = badString(key) ?? badString(value);
    if (bad) return { path: `?${badString(key) ? '' : key}`, message: bad };
  }
  return null;
}

/** The 400 for such a URL. */
export function urlIssueBody(issue: FieldIssue, requestId: string | undefined) {
  return errorBody(400, `the URL holds what this API does not accept, in ${issue.path}`, [issue], requestId);
}

/**
 * The URL's path segments and query values, decoded, pass the same checks as a body's strings:
 * a NUL or an unpaired surrogate in `/api/cartridges/%00` is a 400 naming where, not a 500
 * from the database. (A path that does not decode at all is refused by the router first:
 * rejectedByRouter answers it alike.)
 */
export function urlInput() {
  return (request: RawRequest, response: ServerResponse, next: () => void) => {
    const issue = urlIssue(request.url ?? '/');
    if (issue) sendJson(response, 400, urlIssueBody(issue, requestIdOf(request)));
    else next();
  };
}

/**
 * Fastify's frameworkErrors: what its router refuses before any middleware runs (a path that
 * is not valid percent-encoding) gets the API's error body and request id all the same.
 */
export function rejectedByRouter(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw as RawRequest;
  const id = raw.id ?? chooseRequestId(raw);
  const issue = urlIssue(raw.url ?? '/');
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply
    .header('X-Request-Id', id)
    .code(issue ? 400 : status)
    .send(issue ? urlIssueBody(issue, id) : errorBody(status, error.message, [], id));
}
