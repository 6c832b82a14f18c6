import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runWithLogger } from '@stratos/runtime';
import type { Logger as Pino } from 'pino';
import type { RawRequest } from './raw-http';

/** A caller's own X-Request-Id is kept when it is short and plain (it lands in logs); else one is made. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id, on Node's request or a framework's (both carry it as `id`). */
export function requestIdOf(request: { id?: unknown }): string | undefined {
  return typeof request.id === 'string' ? request.id : undefined;
}

/** Fastify's genReqId: the id as the request arrives, kept on Node's request too (for middleware). */
export function chooseRequestId(request: IncomingMessage): string {
  const offered = request.headers['x-request-id'];
  const id = typeof offered === 'string' && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
  (request as RawRequest).id = id;
  return id;
}

/** First of all middleware: every response names its request's id, as do its log lines and its error body. */
export function requestId() {
  return (request: RawRequest, response: ServerResponse, next: () => void) => {
    response.setHeader('X-Request-Id', request.id ?? chooseRequestId(request));
    next();
  };
}

/** After the body is read (stream events lose the async context): the handlers' calls can ask for the id. */
export function requestContext(root: Pino) {
  return (request: RawRequest, _response: ServerResponse, next: () => void) => {
    const id = request.id;
    if (!id) return next();
    runWithLogger(root, () => root.child({ reqId: id }), next, id);
  };
}
