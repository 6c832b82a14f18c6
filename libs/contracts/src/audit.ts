/** An entry of the audit log (GET /api/audit): one write to the API. */

/** ok: done; refused: the caller's mistake or lack of rights (4xx); failed: the platform's (5xx). */
export type AuditOutcome = 'ok' | 'refused' | 'failed';
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['ok', 'refused', 'failed'];

export interface AuditEntry {
  at: string;
  /** The user (or application) that called; null for a call with no valid credentials. */
  actor: string | null;
  address: string;
  requestId: string;
  method: string;
  /** The path called, without its query. */
  path: string;
  /** The route's pattern (`/api/cartridges/:type`); null when no route matched. */
  route: string | null;
  status: number;
  outcome: AuditOutcome;
  durationMs: number;
}
