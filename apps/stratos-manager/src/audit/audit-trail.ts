import { Logger } from '@nestjs/common';
import type { AuditOutcome } from '@stratos/contracts';
import type { Database } from '@stratos/persistence';
import type { NextFunction, Request, Response } from 'express';
import { requestIdOf } from '../http/request-id';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const logger = new Logger('Audit');

export function outcomeOf(status: number): AuditOutcome {
  return status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed';
}

/** Who made the call: the authenticated caller, or the user a login was for once it succeeded. */
export type AuditedRequest = Request & { caller?: { username: string }; auditActor?: string };

/**
 * Every write to the API, refused or not, leaves a row once its response is sent: who (the
 * caller, else null), from where, what (method, path and route), when, the status and how long.
 * Never the body: it may hold secrets. A row that cannot be written is a warning, not a failed
 * request (the response is already gone).
 */
export function auditTrail(database: Database) {
  return (request: Request, response: Response, next: NextFunction) => {
    if (!WRITES.has(request.method)) return next();
    const arrived = new Date();
    const started = performance.now();
    response.once('finish', () => {
      const audited = request as AuditedRequest;
      database.audit
        .record({
          at: arrived,
          actor: audited.caller?.username ?? audited.auditActor ?? null,
          address: request.socket.remoteAddress ?? 'unknown',
          requestId: requestIdOf(request) ?? 'none',
          method: request.method,
          path: (request.originalUrl ?? request.url).split('?', 1)[0].slice(0, 2048),
          route: (request as Request & { route?: { path?: string } }).route?.path ?? null,
          status: response.statusCode,
          outcome: outcomeOf(response.statusCode),
          durationMs: Math.round(performance.now() - started),
        })
        .catch((error: Error) => logger.warn(`audit entry for ${request.method} ${request.path} not written: ${error.message}`));
    });
    next();
  };
}
