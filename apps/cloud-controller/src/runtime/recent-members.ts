import type { MemberEntity } from '@stratos/persistence';

/**
 * How long a member's row goes as read before it is read again (in the background, in batches): a
 * little longer than the default resync (10 s), whose read of every member comes first.
 */
export const RECENT_MS = 12_000;
const RECENT_LIMIT = 100_000;

interface Row {
  member: MemberEntity | null;
  /** When the read that gave it began. */
  readAt: number;
}

/**
 * Members' rows as read lately, for the agents' health reports — the bulk of the traffic, one per
 * agent per interval: a query per report would be the controller's ceiling. A stale row still
 * answers (its cluster does not change; a status seen a little late only delays the "health says
 * active" catch-up) and is queued to be read again with the others (takeStale). The reconcile
 * pass reads every member anyway: its rows refresh those read before it, so
 * with thousands of agents the background reads mostly have nothing left to do.
 */
export class RecentMembers {
  private readonly rows = new Map<string, Row>();
  private readonly stale = new Set<string>();

  constructor(private readonly freshMs = RECENT_MS) {}

  /** The row as read lately (null: read, and no such member), or undefined if it never was; a stale one is queued to be read again. */
  get(memberId: string, now: number): MemberEntity | null | undefined {
    const row = this.rows.get(memberId);
    if (!row) return undefined;
    if (now - row.readAt >= this.freshMs) this.stale.add(memberId);
    return row.member;
  }

  /** A row read by a read that began at `readAt` (null: no such member); a row read later is kept. */
  set(memberId: string, member: MemberEntity | null, readAt: number): void {
    const row = this.rows.get(memberId);
    if (row && row.readAt > readAt) return;
    if (!row && this.rows.size >= RECENT_LIMIT) this.rows.clear();
    this.rows.set(memberId, { member, readAt });
    this.stale.delete(memberId);
  }

  /**
   * Rows read again (the background reads, or the reconcile pass's own read, begun at `readAt`;
   * `missing`: members such a read found gone): they replace rows kept here that were read before
   * them, and add none: a row forgotten since (its member changed here) stays forgotten, whatever
   * an older read says.
   */
  refresh(found: readonly MemberEntity[], readAt: number, missing: readonly string[] = []): void {
    const replace = (memberId: string, member: MemberEntity | null) => {
      const row = this.rows.get(memberId);
      if (!row || row.readAt > readAt) return;
      // In place: the pass refreshes every row it read, thousands at a time.
      row.member = member;
      row.readAt = readAt;
      if (this.stale.size > 0) this.stale.delete(memberId);
    };
    for (const member of found) replace(member.memberId, member);
    for (const memberId of missing) replace(memberId, null);
  }

  /** Forgets a row (its member changed here): the next report reads it again. */
  forget(memberId: string): void {
    this.rows.delete(memberId);
    this.stale.delete(memberId);
  }

  /** Up to `max` members whose rows are stale and asked for, to be read again (refresh() with what is found and what is not). */
  takeStale(max: number): string[] {
    const ids: string[] = [];
    for (const id of this.stale) {
      if (ids.length >= max) break;
      ids.push(id);
      this.stale.delete(id);
    }
    return ids;
  }

  get staleCount(): number {
    return this.stale.size;
  }
}
