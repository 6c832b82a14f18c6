import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, ErrorCode } from '@stratos/contracts';
import { Database, type StoredUser } from '@stratos/persistence';
import { DEFAULT_LOGIN_THROTTLE, ManagerSettings } from '../config';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password-hash';

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
    // Expired tokens go: now and every hour (a token's row says nothing once it cannot be used).
    const purge = () => this.database.users.purgeExpiredTokens().catch((error: Error) => this.logger.warn(`purging expired tokens: ${error.message}`));
    void purge();
    setInterval(() => void purge(), 3600_000).unref();
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

  /**
   * A token for a username and password. An unknown user costs the same scrypt work as a known
   * one (no timing tells them apart); failures are counted per user and per client address in
   * PostgreSQL (every manager shares them), and past the limit the answer is 429 with Retry-After,
   * whether or not the password is right.
   */
  async issueToken(username: unknown, password: unknown, address = 'unknown'): Promise<{ token: string; expiresAt: string; username: string; role: string }> {
    const missing = [
      ...(typeof username === 'string' && username ? [] : [{ path: '/username', message: 'is required' }]),
      ...(typeof password === 'string' && password ? [] : [{ path: '/password', message: 'is required' }]),
    ];
    if (missing.length > 0) throw DomainError.invalid('username and password are required', missing);
    const throttle = this.settings.loginThrottle ?? DEFAULT_LOGIN_THROTTLE;
    const userKey = `user:${(username as string).toLowerCase()}`;
    const keys = [userKey, `addr:${address}`];
    const blocked = (await this.database.users.loginFailures(keys, throttle.windowS)).filter((f) => f.failures >= (f.key === userKey ? throttle.perUser : throttle.perAddress));
    if (blocked.length > 0) {
      const retryAfterS = Math.max(...blocked.map((b) => b.retryAfterS));
      throw new DomainError(ErrorCode.TooManyRequests, `too many failed logins for this ${blocked[0].key === userKey ? 'user' : 'address'}; retry in ${retryAfterS} s`, [], retryAfterS);
    }
    const user = await this.database.users.findByUsername(username as string);
    const matches = await verifyPassword(password as string, user?.passwordHash ?? (await dummyHash()));
    if (!user || !matches) {
      await this.database.users.recordLoginFailure(keys, throttle.windowS);
      throw new DomainError(ErrorCode.Unauthenticated, 'wrong username or password');
    }
    await this.database.users.clearLoginFailures(userKey);
    if (needsRehash(user.passwordHash)) await this.database.users.setPasswordHash(user.id, await hashPassword(password as string)); // raised parameters, at the first login after
    const token = `stk_${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.settings.tokenTtlHours * 3600_000);
    await this.database.users.addToken({ userId: user.id, tokenHash: sha256(token), expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), username: user.username, role: user.role };
  }

  /**
   * A new password: your own (with the current one), or anyone's as an admin. Every other token
   * of that user stops working (here at once; on other managers within their cache's seconds);
   * the admin's STRATOS_HOME/admin-credentials, where the first start wrote it, is kept true.
   */
  async changePassword(caller: Caller, callerToken: string, username: string, input: { currentPassword?: unknown; password?: unknown }): Promise<{ revokedTokens: number }> {
    const own = caller.username === username;
    if (!own && caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `only an admin may change another user's password; "${caller.username}" has the role "${caller.role}"`);
    const errors = [];
    if (typeof input.password !== 'string' || input.password.length < 12) errors.push({ path: '/password', message: 'must be at least 12 characters' });
    if (own && caller.role !== 'admin' && typeof input.currentPassword !== 'string') errors.push({ path: '/currentPassword', message: 'is required to change your own password' });
    if (errors.length > 0) throw DomainError.invalid('the new password is invalid', errors);
    const user = await this.database.users.findByUsername(username);
    if (!user) throw DomainError.notFound(`user "${username}" does not exist`);
    if (typeof input.currentPassword === 'string' && !(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw DomainError.invalid('the current password is wrong', [{ path: '/currentPassword', message: 'is wrong' }]);
    }
    await this.database.users.setPasswordHash(user.id, await hashPassword(input.password as string));
    const keep = own ? sha256(callerToken) : undefined;
    const revokedTokens = await this.database.users.revokeTokensOf(user.id, keep);
    for (const [key, entry] of this.tokenCache) if (entry.caller.id === user.id && key !== keep) this.tokenCache.delete(key);
    const file = join(this.settings.home, 'admin-credentials');
    if (username === 'admin' && existsSync(file)) await writeFile(file, `username=admin\npassword=${input.password as string}\n`, { mode: 0o600 });
    this.logger.log(`the password of "${username}" was changed by "${caller.username}"; ${revokedTokens} other token(s) revoked`);
    return { revokedTokens };
  }

  /** Logout: the token stops working at once here, and on other managers within their cache's seconds. */
  async revokeToken(token: string): Promise<void> {
    const key = sha256(token);
    this.tokenCache.delete(key);
    await this.database.users.revokeToken(key);
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
