import { Column, Entity, PrimaryColumn } from 'typeorm';
import { VersionedRecord } from './versioned-record';
import type { DefinitionKindName, DefinitionOf, Reference } from '@stratos/contracts';

/** A Stratos definition other than a cartridge: policies, partitions, groups, applications. */
@Entity({ name: 'definitions' })
export class DefinitionEntity extends VersionedRecord {
  @PrimaryColumn({ type: 'text' })
  kind: DefinitionKindName;

  @PrimaryColumn({ type: 'text' })
  id: string;

  /** The document of its kind: it passed that kind's schema before it was written. */
  @Column({ type: 'jsonb' })
  definition: DefinitionOf[DefinitionKindName];

  /** What it points at ({kind, id, path}); indexed, so "who uses X" is one query. */
  @Column({ name: 'refs', type: 'jsonb' })
  references: Reference[];
}
