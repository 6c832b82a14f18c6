import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant: a domain with its own admin and users (Stratos's tenantId is this id). */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** Lower case; users log in as `name@domain`. */
  @Column({ type: 'text', unique: true })
  domain: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  /** A deactivated tenant's tokens stop working; nothing of it is deleted. */
  @Column({ type: 'boolean', default: true })
  active: boolean;

  /** How many deployments of its own it may have; null: no limit. */
  @Column({ name: 'max_deployments', type: 'integer', nullable: true })
  maxDeployments: number | null;

  /** How many members its own deployments may have at their minimum, in all; null: no limit. */
  @Column({ name: 'max_members', type: 'integer', nullable: true })
  maxMembers: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
