import { Column } from 'typeorm';

/** What every stored definition carries besides itself: who made it, when, and its generation. */
export abstract class VersionedRecord {
  /** Bumped by every update. */
  @Column({ type: 'integer', default: 1 })
  generation: number;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
