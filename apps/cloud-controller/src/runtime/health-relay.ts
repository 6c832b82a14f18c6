import { JSON_INPUT_LIMITS, type HealthReport, type LeaderAsked, type RelayedHealth } from '@stratos/contracts';

/**
 * At most this many of each kind in one relay: the controllers' input limit on an array
 * (JSON_INPUT_LIMITS). A standby taking half of 10,000 agents' reports a second relays about
 * 1,250 every 250 ms.
 */
export const RELAY_LIMIT = JSON_INPUT_LIMITS.maxArrayLength;
/** Raw messages relayed per tick at most: they are rare (a live migration's target speaking). */
const RELAYED_MESSAGES_LIMIT = 1000;

/**
 * What a standing-by controller heard from agents for the leader, between two relays. On a
 * broker that shares, agents' health reports come to every controller in turn; the standby
 * writes what the registry keeps (the members' health, a member its report says is active), and
 * relays what only the leader holds: that the agent spoke (its silence tracker), an Active
 * member's report (its autoscaler's windows), and any message from an instance the member's
 * record does not name (a live migration's target, waited for by the leader). Pure bookkeeping.
 */
export class HealthRelay {
  private heard = new Set<string>();
  private health = new Map<string, RelayedHealth>();
  private relayed: { topic: string; payload: string }[] = [];

  spoke(memberId: string): void {
    if (this.heard.size < RELAY_LIMIT) this.heard.add(memberId);
  }

  /** The member's latest report replaces an earlier one not yet relayed: the windows take one sample per report interval anyway. */
  report(report: HealthReport, applicationId: string): void {
    if (this.health.size < RELAY_LIMIT || this.health.has(report.memberId)) this.health.set(report.memberId, { report, applicationId });
  }

  message(topic: string, payload: Buffer): void {
    if (this.relayed.length < RELAYED_MESSAGES_LIMIT) this.relayed.push({ topic, payload: payload.toString() });
  }

  /** What to send now, or null when nothing was heard since the last relay. */
  take(): LeaderAsked | null {
    if (this.heard.size === 0 && this.health.size === 0 && this.relayed.length === 0) return null;
    const asked: LeaderAsked = {
      ...(this.heard.size > 0 ? { heard: [...this.heard] } : {}),
      ...(this.health.size > 0 ? { health: [...this.health.values()] } : {}),
      ...(this.relayed.length > 0 ? { relayed: this.relayed } : {}),
    };
    this.heard = new Set();
    this.health = new Map();
    this.relayed = [];
    return asked;
  }
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 256;

/**
 * What the leader takes of a relay: well-formed entries only, bounded (the topic is the platform's
 * own, but a malformed message must not throw in the leader or grow its maps without end).
 */
export function relayOf(asked: LeaderAsked | null | undefined): Required<Pick<LeaderAsked, 'heard' | 'health' | 'relayed'>> {
  const list = <T>(value: unknown, limit: number): T[] => (Array.isArray(value) ? (value.slice(0, limit) as T[]) : []);
  return {
    heard: list<unknown>(asked?.heard, RELAY_LIMIT).filter(isId),
    health: list<Partial<RelayedHealth> | null>(asked?.health, RELAY_LIMIT).filter(
      (entry): entry is RelayedHealth =>
        isId(entry?.applicationId) && isId(entry?.report?.memberId) && isId(entry?.report?.clusterId) && typeof entry?.report?.loadAverage === 'number' && typeof entry?.report?.memoryConsumption === 'number',
    ),
    relayed: list<{ topic?: unknown; payload?: unknown } | null>(asked?.relayed, RELAYED_MESSAGES_LIMIT).filter(
      (entry): entry is { topic: string; payload: string } => typeof entry?.topic === 'string' && entry.topic.length <= 512 && typeof entry?.payload === 'string',
    ),
  };
}
