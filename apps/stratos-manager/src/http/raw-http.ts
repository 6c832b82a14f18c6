/**
 * The API's middleware works on Node's own request and response (Fastify runs it before routing
 * a request to Nest): what it adds to a request, and how it answers without a framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the manager's middleware and guard put on Node's request. */
export type RawRequest = IncomingMessage & {
  /** The request id (X-Request-Id), chosen as the request arrives. */
  id?: string;
  /** The body jsonBody read: JSON parsed, or an archive's bytes. */
  body?: unknown;
  /** A JSON body as it came (what a git hook's signature covers). */
  rawBody?: string;
  /** The matched route's pattern (`/api/cartridges/:type`), or undefined when none matched. */
  routePattern?: string;
  /** Who called, once the guard knows. */
  caller?: { username: string };
  /** A login's user once it succeeded (the caller of POST /api/tokens has no token yet). */
  auditActor?: string;
};

/** A framework's request (Fastify's) carries Node's as `raw`; middleware gets Node's itself. */
export function rawRequestOf(request: IncomingMessage | { raw: IncomingMessage }): RawRequest {
  return ('raw' in request ? request.raw : request) as RawRequest;
}

/** The path, without the query. */
export function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0];
}

export function routeOf(request: IncomingMessage): string | undefined {
  return (request as RawRequest).routePattern;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}
