import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Platform users have no tenant (admin: everything; user: reads); tenant users belong to one. */
export type UserRole = 'admin' | 'user' | 'tenant-admin' | 'tenant-user';

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The login name: `name` for platform users, `name@tenant.domain` for tenant users (as Stratos). */
  @Column({ type: 'text', unique: true })
  username: string;

  /** scrypt$N$r$p$salt$hash, never the password. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'text' })
  role: UserRole;

  @Column({ name: 'tenant_id', type: 'integer', nullable: true })
  tenantId: number | null;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
