import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TopologyEvent } from '@stratos/contracts';

/**
 * The topology's change log, which is also its outbox: a change and its event commit in one
 * transaction, the event is published after the commit and marked; what a crash left
 * unpublished is published at the next start. Watchers resume from it by revision.
 */
@Entity({ name: 'topology_events' })
export class TopologyEventEntity {
  /** bigint: pg returns it as a string; the repository converts. */
  @PrimaryColumn({ type: 'bigint' })
  revision: string;

  @Column({ name: 'event_id', type: 'uuid', unique: true })
  eventId: string;

  @Column({ type: 'text' })
  type: string;

  /** The payload of its type (the repository writes it from a typed event). */
  @Column({ type: 'jsonb' })
  payload: TopologyEvent['payload'];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
