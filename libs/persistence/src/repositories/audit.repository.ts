import type { EntityManager } from 'typeorm';
import type { AuditEntry, AuditOutcome } from '@stratos/contracts';

export interface AuditQuery {
  actor?: string;
  /** Entries at or after this time. */
  since?: Date;
  outcome?: AuditOutcome;
  limit: number;
  offset: number;
}

interface AuditRow {
  at: Date;
  actor: string | null;
  address: string;
  request_id: string;
  method: string;
  path: string;
  route: string | null;
  status: number;
  outcome: AuditOutcome;
  duration_ms: number;
}

/** A row to write: `at` as a Date. */
export type AuditRecord = Omit<AuditEntry, 'at'> & { at: Date };

export class AuditRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Rows in one statement (one round trip, one commit). `at` is when the request arrived: rows are written once responses are sent, in any order. */
  async recordAll(entries: readonly AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <K extends keyof AuditRecord>(key: K) => entries.map((e) => e[key]);
    await this.manager.query(
      `INSERT INTO audit_log (at, actor, address, request_id, method, path, route, status, outcome, duration_ms)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::int[])`,
      [column('at'), column('actor'), column('address'), column('requestId'), column('method'), column('path'), column('route'), column('status'), column('outcome'), column('durationMs')],
    );
  }

  /** Newest request first. */
  async list(query: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.actor !== undefined) where.push(`actor = $${values.push(query.actor)}`);
    if (query.since !== undefined) where.push(`at >= $${values.push(query.since)}`);
    if (query.outcome !== undefined) where.push(`outcome = $${values.push(query.outcome)}`);
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = (await this.manager.query(`SELECT count(*)::int AS total FROM audit_log ${filter}`, values)) as { total: number }[];
    const rows = (await this.manager.query(`SELECT * FROM audit_log ${filter} ORDER BY at DESC, id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`, [
      ...values,
      query.limit,
      query.offset,
    ])) as AuditRow[];
    return {
      total,
      items: rows.map((r) => ({
        at: r.at.toISOString(),
        actor: r.actor,
        address: r.address,
        requestId: r.request_id,
        method: r.method,
        path: r.path,
        route: r.route,
        status: r.status,
        outcome: r.outcome,
        durationMs: r.duration_ms,
      })),
    };
  }

  /** Entries older than the retention go; returns how many. */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    const [, deleted] = (await this.manager.query('DELETE FROM audit_log WHERE at < $1', [cutoff])) as [unknown[], number]; // TypeORM answers a DELETE with [rows, count]
    return deleted;
  }
}
