import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DefinitionKindName, Reference } from '@stratos/contracts';

/** A Stratos definition other than a cartridge: policies, partitions, groups, applications. */
@Entity({ name: 'definitions' })
export class DefinitionEntity {
  @PrimaryColumn({ type: 'text' })
  kind: DefinitionKindName;

  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'jsonb' })
  definition: Record<string, unknown>;

  /** What it points at ({kind, id, path}); indexed, so "who uses X" is one query. */
  @Column({ name: 'refs', type: 'jsonb' })
  references: Reference[];

  @Column({ type: 'integer', default: 1 })
  generation: number;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
