import { Column, Entity, PrimaryColumn } from 'typeorm';
import { VersionedRecord } from './versioned-record';
import type { CartridgeDefinition, ProviderCheck } from '@stratos/contracts';

@Entity({ name: 'cartridges' })
export class CartridgeEntity extends VersionedRecord {
  @PrimaryColumn({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  category: string;

  /** The normalized definition, secrets included: they never leave through the API. */
  @Column({ type: 'jsonb' })
  definition: CartridgeDefinition;

  @Column({ type: 'jsonb' })
  providers: ProviderCheck[];
}
