import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { TopologyEvent, TopologyEventType } from '@stratos/contracts';
import { TopologyEventEntity } from '../entities/topology-event.entity';

/** Serializes revision allocation until commit, so revisions are gap-free and commit-ordered. */
export const TOPOLOGY_REVISION_LOCK = 0x5747a705;

function toEvent(row: TopologyEventEntity): TopologyEvent {
  return {
    eventId: row.eventId,
    revision: Number(row.revision),
    type: row.type as TopologyEventType,
    timestamp: row.createdAt.toISOString(),
    payload: row.payload,
  };
}

/**
 * The SQL call that appends an event, its parameters numbered from `firstParam`, for a statement
 * that makes a change and tells of it at once (one round trip, committed together); `event`
 * completes the event with the revision the statement returned.
 */
export function appendCall<T extends TopologyEventType>(type: T, payload: TopologyEvent<T>['payload'], firstParam: number) {
  const eventId = randomUUID();
  const timestamp = new Date().toISOString();
  const n = (i: number) => `$${firstParam + i}`;
  return {
    eventId,
    timestamp,
    sql: `stratos_append_topology_event(${n(0)}, ${n(1)}, ${n(2)}, ${n(3)}, ${n(4)})`,
    params: [TOPOLOGY_REVISION_LOCK, eventId, type, JSON.stringify(payload), timestamp] as unknown[],
    event: (revision: string | number): TopologyEvent<T> => ({ eventId, revision: Number(revision), type, timestamp, payload }),
  };
}

export class TopologyEventRepository {
  constructor(private readonly manager: EntityManager) {}

  private get repo() {
    return this.manager.getRepository(TopologyEventEntity);
  }

  /** Must run inside the transaction that makes the change the event tells of (the revision lock is held until it ends). */
  async append<T extends TopologyEventType>(type: T, payload: TopologyEvent<T>['payload']): Promise<TopologyEvent<T>> {
    const call = appendCall(type, payload, 1);
    const [{ revision }] = (await this.manager.query(`SELECT ${call.sql} AS revision`, call.params)) as { revision: string }[];
    return call.event(revision);
  }

  async markPublished(revisions: number[]): Promise<void> {
    if (revisions.length === 0) return;
    await this.manager.query('UPDATE topology_events SET published_at = now() WHERE revision = ANY($1::bigint[])', [revisions]);
  }

  async unpublished(limit = 1000): Promise<TopologyEvent[]> {
    const rows = await this.repo.createQueryBuilder('e').where('e.published_at IS NULL').orderBy('e.revision', 'ASC').limit(limit).getMany();
    return rows.map(toEvent);
  }

  async since(revision: number, limit = 10_000): Promise<TopologyEvent[]> {
    const rows = await this.repo.createQueryBuilder('e').where('e.revision > :revision', { revision }).orderBy('e.revision', 'ASC').limit(limit).getMany();
    return rows.map(toEvent);
  }

  /**
   * Events older than the retention go, except the newest (revisions go on from it). Returns how
   * many, and the oldest revision kept.
   */
  async purgeOlderThan(cutoff: Date): Promise<{ purged: number; oldestKept: number }> {
    const [, deleted] = (await this.manager.query(
      'DELETE FROM topology_events WHERE created_at < $1 AND published_at IS NOT NULL AND revision < (SELECT max(revision) FROM topology_events)',
      [cutoff],
    )) as [unknown[], number]; // TypeORM answers a DELETE with [rows, count]
    return { purged: deleted, oldestKept: await this.oldestRevision() };
  }

  /** The first revision the log still holds (0: none yet). A watcher resuming before it gets a snapshot. */
  /** The clusters an upgrade operation changed (its ClusterUpgrading events). */
  async upgradedClusters(operationId: string): Promise<string[]> {
    const rows = (await this.manager.query(`SELECT DISTINCT payload->>'clusterId' AS cluster_id FROM topology_events WHERE type = 'ClusterUpgrading' AND payload->>'operationId' = $1`, [operationId])) as { cluster_id: string }[];
    return rows.map((r) => r.cluster_id);
  }

  async oldestRevision(): Promise<number> {
    const [{ oldest }] = (await this.manager.query('SELECT COALESCE(MIN(revision), 0) AS oldest FROM topology_events')) as { oldest: string }[];
    return Number(oldest);
  }

  async latestRevision(): Promise<number> {
    const [{ latest }] = (await this.manager.query('SELECT COALESCE(MAX(revision), 0) AS latest FROM topology_events')) as { latest: string }[];
    return Number(latest);
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}
