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

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
