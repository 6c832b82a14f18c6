/**
 * A member's agent events, applied once each and in the order its agent sent them, by whichever
 * controller the broker gives them to (controllers share them: `$share/…`).
 *
 * The agent sends one event at a time and the next only once a controller acknowledged it
 * (EventAck), sending it again until then; so a controller never sees an event before the one
 * sent ahead of it has been applied, only the same event again. Each event carries its agent
 * process (`run`: its start time first, so that runs compare by start) and its place in that
 * run (`sequence`, from 1); the member's row keeps the last one applied (its cursor), read and
 * moved under a per-member lock, so that two controllers given the same event apply it once.
 */

/** The last event applied of a member, or one event's place: its agent process and its number there. */
export interface EventCursor {
  run: string;
  sequence: number;
}

/**
 * What to do with an event, given the member's cursor:
 * - `apply`: the next one (or the first of a newer run — a restarted agent, a live migration's target);
 * - `duplicate`: applied already (sent again before its acknowledgement arrived): acknowledge only;
 * - `stale`: from an agent process older than the one last heard (it died; its resend came late): acknowledge only;
 * - `early`: one after an event not yet applied: not acknowledged, so the agent sends it again.
 */
export type EventVerdict = 'apply' | 'duplicate' | 'stale' | 'early';

export function eventVerdict(cursor: EventCursor | null, event: EventCursor): EventVerdict {
  if (!cursor) return 'apply'; // none recorded yet (or recorded by a controller before cursors)
  if (event.run === cursor.run) {
    if (event.sequence <= cursor.sequence) return 'duplicate';
    return event.sequence === cursor.sequence + 1 ? 'apply' : 'early';
  }
  return event.run < cursor.run ? 'stale' : 'apply';
}

/** An agent run: its start (base 36 milliseconds, fixed width, so that runs order as strings) and a nonce. */
export const AGENT_RUN_PATTERN = /^[0-9a-z]{10}-[0-9A-Za-z-]{1,64}$/;

export function agentRunId(startedAtMs: number, nonce: string): string {
  return `${Math.max(0, Math.floor(startedAtMs)).toString(36).padStart(10, '0')}-${nonce}`;
}

/**
 * The event's place, if it carries a well-formed one; null for an event without (a Last Will,
 * an agent from before event cursors), and for one whose fields are malformed.
 */
export function eventCursorOf(event: { run?: unknown; sequence?: unknown }): EventCursor | null {
  const { run, sequence } = event;
  if (typeof run !== 'string' || !AGENT_RUN_PATTERN.test(run)) return null;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) return null;
  return { run, sequence };
}
