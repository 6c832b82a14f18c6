import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, EnvVar, ErrorCode, MIN_PASSWORD_LENGTH, type IssuedToken } from '@stratos/contracts';
import { Database, type LoginUser, type StoredUser } from '@stratos/persistence';
import { DEFAULT_LOGIN_THROTTLE, ManagerSettings } from '../config';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password-hash';

export type Caller = StoredUser;

const TOKEN_CACHE_MS = 10_000;
/** HTTP Basic credentials, once verified, are trusted this long (a scrypt per request would cost ~50 ms of CPU). */
const BASIC_CACHE_MS = 60_000;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Saves a PostgreSQL round trip per request; a token lives for days, the cache for seconds. */
  private readonly tokenCache = new Map<string, { caller: Caller; until: number }>();
  /** Verified Basic credentials, keyed by an HMAC of them under a key that never leaves this process. */
  private readonly basicCache = new Map<string, { caller: Caller; until: number }>();
  private readonly basicCacheKey = randomBytes(32);

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
    const given = this.settings.adminPassword;
    const password = given ?? randomBytes(15).toString('base64url');
    if (!(await this.database.users.insertIfAbsent({ username: 'admin', passwordHash: await hashPassword(password), role: 'admin' }))) return;
    if (given) {
      this.logger.log(`created the admin user with the password ${EnvVar.adminPassword} gave`);
      return;
    }
    const file = join(this.settings.home, 'admin-credentials');
    await mkdir(this.settings.home, { recursive: true });
    await writeFile(file, `username=admin\npassword=${password}\n`, { mode: 0o600 });
    // Printed to the terminal once, on purpose, and never through the logger.
    process.stdout.write(`\n  First start: created the user "admin" with the password ${password}\n  (also stored in ${file}, mode 0600)\n\n`);
    this.logger.log(`created the admin user; its credentials are in ${file}`);
  }

  /**
   * The user a username and password name. An unknown user costs the same scrypt work as a known
   * one (no timing tells them apart); failures are counted per user and per client address in
   * PostgreSQL (every manager shares them), and past the limit the answer is 429 with Retry-After,
   * whether or not the password is right. A deactivated tenant's users are refused (403) once
   * their password proved who they are.
   */
  async verifyLogin(username: unknown, password: unknown, address = 'unknown'): Promise<LoginUser> {
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
    if (!user.tenantActive) throw new DomainError(ErrorCode.Forbidden, `the tenant "${user.tenantDomain}" is deactivated: its users cannot log in until the platform admin activates it`);
    if (needsRehash(user.passwordHash)) await this.database.users.setPasswordHash(user.id, await hashPassword(password as string)); // raised parameters, at the first login after
    return user;
  }

  /** A token for a username and password (verifyLogin's rules). */
  async issueToken(username: unknown, password: unknown, address = 'unknown'): Promise<IssuedToken> {
    return this.issueTokenFor(await this.verifyLogin(username, password, address));
  }

  /** A new token for a caller already authenticated (Stratos's GET /api/session). */
  async issueTokenFor(user: Caller): Promise<{ token: string; expiresAt: string; username: string; role: string; tenantDomain: string | null }> {
    const token = `stk_${randomBytes(24).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + this.settings.tokenTtlHours * 3600_000);
    await this.database.users.addToken({ userId: user.id, tokenHash: sha256(token), expiresAt });
    return { token, expiresAt: expiresAt.toISOString(), username: user.username, role: user.role, tenantDomain: user.tenantDomain };
  }

  /**
   * The caller HTTP Basic credentials name (Stratos's clients send them on every request). Verified
   * once, then trusted for up to a minute from a cache keyed by an HMAC of them; a password change,
   * a deleted user or a deactivated tenant empties it here at once.
   */
  async callerOfBasic(username: string, password: string, address: string): Promise<Caller> {
    const key = createHmac('sha256', this.basicCacheKey).update(username).update('\0').update(password).digest('base64url');
    const cached = this.basicCache.get(key);
    if (cached && cached.until > Date.now()) return cached.caller;
    const user = await this.verifyLogin(username, password, address);
    const caller: Caller = { id: user.id, username: user.username, role: user.role, tenantId: user.tenantId, tenantDomain: user.tenantDomain };
    if (this.basicCache.size > 10_000) this.basicCache.clear();
    this.basicCache.set(key, { caller, until: Date.now() + BASIC_CACHE_MS });
    return caller;
  }

  /** Forgets cached callers (a user's, or a tenant's), so that a change takes effect at once on this manager. */
  forgetCallers(which: { userId?: string; tenantId?: number }, exceptTokenHash?: string): void {
    for (const cache of [this.tokenCache, this.basicCache]) {
      for (const [key, entry] of cache) {
        if (key === exceptTokenHash) continue;
        if (entry.caller.id === which.userId || (which.tenantId !== undefined && entry.caller.tenantId === which.tenantId)) cache.delete(key);
      }
    }
  }

  /**
   * A new password: your own (with the current one), or anyone's as an admin. Every other token
   * of that user stops working (here at once; on other managers within their cache's seconds);
   * the admin's STRATOS_HOME/admin-credentials, where the first start wrote it, is kept true.
   */
  async changePassword(caller: Caller, callerToken: string | null, username: string, input: { currentPassword?: unknown; password?: unknown }): Promise<{ revokedTokens: number }> {
    const own = caller.username === username;
    const user = await this.database.users.findByUsername(username);
    const mayReset = caller.role === 'admin' || (caller.role === 'tenant-admin' && user !== null && user.tenantId === caller.tenantId);
    if (!own && !mayReset) {
      if (caller.role === 'tenant-admin' && !user) throw DomainError.notFound(`user "${username}" does not exist`);
      throw new DomainError(ErrorCode.Forbidden, `only an admin may change another user's password; "${caller.username}" has the role "${caller.role}"`);
    }
    const errors = [];
    if (typeof input.password !== 'string' || input.password.length < MIN_PASSWORD_LENGTH) errors.push({ path: '/password', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` });
    if (own && caller.role !== 'admin' && caller.role !== 'tenant-admin' && typeof input.currentPassword !== 'string') errors.push({ path: '/currentPassword', message: 'is required to change your own password' });
    if (errors.length > 0) throw DomainError.invalid('the new password is invalid', errors);
    if (!user) throw DomainError.notFound(`user "${username}" does not exist`);
    if (typeof input.currentPassword === 'string' && !(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw DomainError.invalid('the current password is wrong', [{ path: '/currentPassword', message: 'is wrong' }]);
    }
    await this.database.users.setPasswordHash(user.id, await hashPassword(input.password as string));
    const keep = own && callerToken ? sha256(callerToken) : undefined;
    const revokedTokens = await this.database.users.revokeTokensOf(user.id, keep);
    this.forgetCallers({ userId: user.id }, keep);
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
}
