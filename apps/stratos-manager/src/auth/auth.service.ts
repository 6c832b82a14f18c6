import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, ErrorCode } from '@stratos/contracts';
import { Database, type StoredUser } from '@stratos/persistence';
import { ManagerSettings } from '../config';
import { hashPassword, verifyPassword } from './password-hash';

export type Caller = StoredUser;

const TOKEN_CACHE_MS = 10_000;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Saves a PostgreSQL round trip per request; a token lives for days, the cache for seconds. */
  private readonly tokenCache = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly database: Database,
    private readonly settings: ManagerSettings,
  ) {}

  /** The first start creates `admin` with a random password, shown once and kept 0600 in STRATOS_HOME. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.database.users.count()) > 0) return;
    const password = randomBytes(15).toString('base64url');
    if (!(await this.database.users.insertIfAbsent({ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' }))) return;
    const file = join(this.settings.home, 'admin-credentials');
    await mkdir(this.settings.home, { recursive: true });
    await writeFile(file, `username=admin\npassword=${password}\n`, { mode: 0o600 });
    // Printed to the terminal once, on purpose, and never through the logger.
    process.stdout.write(`\n  First start: created the user "admin" with the password ${password}\n  (also stored in ${file}, mode 0600)\n\n`);
    this.logger.log(`created the admin user; its credentials are in ${file}`);
  }

  async issueToken(username: unknown, password: unknown): Promise<{ token: string; expiresAt: string; username: string; role: string }> {
    const missing = [
      ...(typeof username === 'string' && username ? [] : [{ path: '/username', message: 'is required' }]),
      ...(typeof password === 'string' && password ? [] : [{ path: '/password', message: 'is required' }]),
    ];
    if (missing.length > 0) throw DomainError.invalid('username and password are required', missing);
    const user = await this.database.users.findByUsername(username as string);
    if (!user || !(await verifyPassword(password as string, user.passwordHash))) {
      throw new DomainError(ErrorCode.Unauthenticated, 'wrong username or password');
    }
    const token = `stk_${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.settings.tokenTtlHours * 3600_000);
    await this.database.users.addToken({ userId: user.id, tokenHash: sha256(token), expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), username: user.username, role: user.role };
  }

  /** The deployed application whose members hold this metadata token, or null. */
  async applicationOfToken(token: string): Promise<string | null> {
    return (await this.database.runtime.findDeploymentByMetadataToken(token))?.applicationId ?? null;
  }

  async callerOf(token: string): Promise<Caller | null> {
    const key = sha256(token);
    const cached = this.tokenCache.get(key);
    if (cached && cached.until > Date.now()) return cached.caller;
    const caller = await this.database.users.findByToken(key);
    if (caller) {
      if (this.tokenCache.size > 10_000) this.tokenCache.clear();
      this.tokenCache.set(key, { caller, until: Date.now() + TOKEN_CACHE_MS });
    }
    return caller;
  }

  async createUser(input: { username?: unknown; password?: unknown; role?: unknown }): Promise<{ username: string; role: string }> {
    const errors = [];
    if (typeof input.username !== 'string' || !/^[a-zA-Z0-9._-]{1,64}$/.test(input.username)) {
      errors.push({ path: '/username', message: 'must be 1 to 64 letters, digits, ".", "_" or "-"' });
    }
    if (typeof input.password !== 'string' || input.password.length < 8) errors.push({ path: '/password', message: 'must be at least 8 characters' });
    const role = input.role ?? 'user';
    if (role !== 'admin' && role !== 'user') errors.push({ path: '/role', message: 'must be one of "admin", "user"', allowed: ['admin', 'user'] });
    if (errors.length > 0) throw DomainError.invalid('the user is invalid', errors);
    const created = await this.database.users.insertIfAbsent({
      username: input.username as string,
      passwordHash: await hashPassword(input.password as string),
      role: role as 'admin' | 'user',
    });
    if (!created) throw DomainError.conflict(`user "${String(input.username)}" already exists`, [{ path: '/username', message: 'is taken' }]);
    return { username: input.username as string, role: role as string };
  }
}
