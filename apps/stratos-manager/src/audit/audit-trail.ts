import { Logger } from '@nestjs/common';
import type { AuditOutcome } from '@stratos/contracts';
import type { AuditRecord, Database } from '@stratos/persistence';
import type { ServerResponse } from 'node:http';
import { routeOf, type RawRequest } from '../http/raw-http';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const logger = new Logger('Audit');

export function outcomeOf(status: number): AuditOutcome {
  return status < 400 ? 'ok' : status < 500 ? 'refused' : 'failed';
}

/** Rows wait at most this long, or until there are this many, and go in one statement. */
const BATCH_DELAY_MS = 10;
const BATCH_ROWS = 200;

/**
 * Every write to the API, refused or not, leaves a row once its response is sent: who (the
 * caller, else null), from where, what (method, path and route), when, the status and how long.
 * Never the body: it may hold secrets. Rows are written in batches (one INSERT for what came
 * within 10 ms: a commit per request cost PostgreSQL as much as the request itself); `close`
 * writes what waits. A batch that cannot be written is a warning, not a failed request (the
 * responses are already gone).
 */
export class AuditTrail {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly database: Database) {}

  middleware() {
    return (request: RawRequest, response: ServerResponse, next: () => void) => {
      if (!WRITES.has(request.method ?? '')) return next();
      const arrived = new Date();
      const started = performance.now();
      response.once('finish', () => {
        this.add({
          at: arrived,
          // Who made the call: the authenticated caller, or the user a login was for once it succeeded.
          actor: request.caller?.username ?? request.auditActor ?? null,
          address: request.socket.remoteAddress ?? 'unknown',
          requestId: request.id ?? 'none',
          method: request.method ?? 'unknown',
          path: (request.url ?? '/').split('?', 1)[0].slice(0, 2048),
          route: routeOf(request) ?? null,
          status: response.statusCode,
          outcome: outcomeOf(response.statusCode),
          durationMs: Math.round(performance.now() - started),
        });
      });
      next();
    };
  }

  /** Writes what waits (at shutdown). */
  async close(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private add(row: AuditRecord): void {
    this.pending.push(row);
    if (this.pending.length >= BATCH_ROWS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_DELAY_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.writing = this.writing.then(() =>
      this.database.audit.recordAll(batch).catch((error: Error) => logger.warn(`${batch.length} audit entr${batch.length === 1 ? 'y' : 'ies'} not written (${batch.map((r) => `${r.method} ${r.path}`).slice(0, 3).join(', ')}${batch.length > 3 ? ', …' : ''}): ${error.message}`)),
    );
  }
}
