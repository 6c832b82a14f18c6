import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CartridgeDefinition, ProviderCheck } from '@stratos/contracts';

@Entity({ name: 'cartridges' })
export class CartridgeEntity {
  @PrimaryColumn({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  category: string;

  /** The normalized definition, secrets included: they never leave through the API. */
  @Column({ type: 'jsonb' })
  definition: CartridgeDefinition;

  @Column({ type: 'jsonb' })
  providers: ProviderCheck[];

  @Column({ type: 'integer', default: 1 })
  generation: number;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
