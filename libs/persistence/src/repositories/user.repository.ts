import type { EntityManager } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { UserEntity, type UserRole } from '../entities/user.entity';

export interface StoredUser {
  id: string;
  username: string;
  role: UserRole;
}

export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.manager.getRepository(UserEntity).findOneBy({ username });
  }

  count(): Promise<number> {
    return this.manager.getRepository(UserEntity).count();
  }

  /** Returns false when the username is taken. */
  async insertIfAbsent(user: { username: string; passwordHash: string; role: UserRole }): Promise<boolean> {
    const result = await this.manager
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ ...user, createdAt: new Date() })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  async addToken(token: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
    await this.manager.getRepository(ApiTokenEntity).insert({ ...token, createdAt: new Date() });
  }

  /** The user a live token belongs to, or null. */
  async findByToken(tokenHash: string): Promise<StoredUser | null> {
    const row = (await this.manager.query(
      `SELECT u.id, u.username, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.expires_at > now()`,
      [tokenHash],
    )) as StoredUser[];
    return row[0] ?? null;
  }
}
