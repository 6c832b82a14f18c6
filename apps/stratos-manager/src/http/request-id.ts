import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { runWithLogger } from '@stratos/runtime';
import type { Logger as Pino } from 'pino';

/** A caller's own X-Request-Id is kept when it is short and plain (it lands in logs); else one is made. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(request: Request): string | undefined {
  return (request as Request & { id?: string }).id;
}

/** First of all middleware: every request gets an id, in its response header, its log lines and its error body. */
export function requestId() {
  return (request: Request, response: Response, next: NextFunction) => {
    const offered = request.headers['x-request-id'];
    const id = typeof offered === 'string' && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    (request as Request & { id?: string }).id = id;
    response.setHeader('X-Request-Id', id);
    next();
  };
}

/** After the body is read (stream events lose the async context): the handlers' calls can ask for the id. */
export function requestContext(root: Pino) {
  return (request: Request, _response: Response, next: NextFunction) => {
    const id = requestIdOf(request);
    if (!id || !('log' in request)) return next();
    runWithLogger(root, () => (request as Request & { log: Pino }).log, next, id);
  };
}
