/**
 * Logins that an attacker cannot tell apart or hammer, and tokens that can be taken back:
 * an unknown user costs the same scrypt work as a known one; failed logins are throttled per
 * user and per address (429 with Retry-After, counted in PostgreSQL), even for the right
 * password; `DELETE /api/tokens/current` (and `stratos logout`) revokes a token at once;
 * a hash made with weaker parameters is upgraded at the next login.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runCli } from '../support/cli';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('logins and tokens', () => {
  let platform: TestPlatform;
  const login = (username: string, password: string) => platform.api('POST', '/tokens', { body: { username, password }, token: null });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', loginThrottle: { perUser: 3, perAddress: 12, windowS: 60 } });
    for (const username of ['alice', 'bob', 'carol', 'dave']) expect((await platform.api('POST', '/users', { body: { username, password: `${username}-password`, role: 'user' } })).status).toBe(201);
  });
  afterAll(async () => {
    await platform?.stop();
  });
  const forgetFailedLogins = async () => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    await client.query('DELETE FROM login_failures');
    await client.end();
  };

  it('revokes a token on DELETE /api/tokens/current, and stratos logout does so', async () => {
    const { token } = (await login('alice', 'alice-password')).body as { token: string };
    expect((await platform.api('GET', '/cartridges', { token })).status).toBe(200);
    expect((await platform.api('DELETE', '/tokens/current', { token })).status).toBe(204);
    expect((await platform.api('GET', '/cartridges', { token })).status).toBe(401);
    expect((await platform.api('DELETE', '/tokens/current', { token: null })).status).toBe(401);

    const config = join(mkdtempSync(join(tmpdir(), 'stratos-cli-')), 'cli.json');
    const env = { STRATOS_CLI_CONFIG: config, STRATOS_URL: platform.url };
    expect((await runCli(['login', '--url', platform.url, '-u', 'alice', '-p', 'alice-password'], { env })).code).toBe(0);
    const saved = JSON.parse((await import('node:fs')).readFileSync(config, 'utf8')) as { token: string };
    expect((await platform.api('GET', '/cartridges', { token: saved.token })).status).toBe(200);
    const out = await runCli(['logout'], { env });
    expect([out.code, out.stdout.trim()]).toEqual([0, 'Logged out: the token is revoked.']);
    expect((await platform.api('GET', '/cartridges', { token: saved.token })).status).toBe(401);
  });

  it("changes a password — your own with the current one, anyone's as an admin — ending the user's other sessions but the caller's", async () => {
    expect((await platform.api('POST', '/users', { body: { username: 'erin', password: 'erin-password', role: 'user' } })).status).toBe(201);
    const first = ((await login('erin', 'erin-password')).body as { token: string }).token;
    const second = ((await login('erin', 'erin-password')).body as { token: string }).token;
    const change = (token: string, username: string, body: object) => platform.api('PUT', `/users/${username}/password`, { token, body });
    expect((await change(first, 'erin', { password: 'a-new-long-password' })).body.errors).toEqual([{ path: '/currentPassword', message: 'is required to change your own password' }]);
    expect((await change(first, 'erin', { currentPassword: 'wrong', password: 'a-new-long-password' })).body.errors).toEqual([{ path: '/currentPassword', message: 'is wrong' }]);
    expect((await change(first, 'erin', { currentPassword: 'erin-password', password: 'short' })).body.errors).toEqual([{ path: '/password', message: 'must be at least 12 characters' }]);
    expect((await change(first, 'bob', { password: 'a-new-long-password' })).status).toBe(403);
    const changed = await change(first, 'erin', { currentPassword: 'erin-password', password: 'a-new-long-password' });
    expect([changed.status, changed.body]).toEqual([200, { revokedTokens: 1 }]);
    expect((await platform.api('GET', '/cartridges', { token: first })).status).toBe(200); // the caller's own session goes on
    expect((await platform.api('GET', '/cartridges', { token: second })).status).toBe(401);
    expect((await login('erin', 'erin-password')).status).toBe(401);
    expect((await login('erin', 'a-new-long-password')).status).toBe(201);
    await forgetFailedLogins(); // the old password's try must not count against the throttling tests below

    // stratos secrets rotate: an admin gives erin a new random password, shown once on standard output.
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(mkdtempSync(join(tmpdir(), 'stratos-cli-')), 'cli.json') };
    const rotated = await runCli(['secrets', 'rotate', 'admin-password', '--user', 'erin'], { env });
    expect(rotated.code).toBe(0);
    const password = rotated.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(rotated.stderr).toMatch(/the password of "erin" is replaced; 2 other session\(s\) ended/);
    expect((await platform.api('GET', '/cartridges', { token: first })).status).toBe(401);
    expect((await login('erin', password)).status).toBe(201);

    // The admin's own: the session goes on, and STRATOS_HOME/admin-credentials says the new one.
    const own = await runCli(['secrets', 'rotate', 'admin-password'], { env });
    expect(own.code).toBe(0);
    expect((await import('node:fs')).readFileSync(join(platform.home, 'admin-credentials'), 'utf8')).toBe(`username=admin\npassword=${own.stdout.trim()}\n`);
    expect((await platform.api('GET', '/cartridges')).status).toBe(200);
    expect((await login('admin', own.stdout.trim())).status).toBe(201);
  });

  it('throttles failed logins per user, even for the right password, with Retry-After, and leaves other users alone', async () => {
    for (let i = 0; i < 3; i++) expect((await login('bob', 'wrong')).status).toBe(401);
    const blocked = await login('bob', 'bob-password');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(blocked.body.message).toMatch(/^too many failed logins for this user; retry in \d+ s$/);
    expect((await login('carol', 'carol-password')).status).toBe(201);
    // The count is PostgreSQL's: what another manager would read too.
    const { rows } = await (async () => {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: platform.databaseUrl });
      await client.connect();
      try {
        return await client.query(`SELECT failures FROM login_failures WHERE key = 'user:bob'`);
      } finally {
        await client.end();
      }
    })();
    expect(rows).toEqual([{ failures: 3 }]);
  });

  it('throttles an address that tries many users', async () => {
    // 3 failures of bob's are on this address already; 9 more across users reach its limit of 12.
    for (let i = 0; i < 9; i++) expect((await login(`nobody-${i}`, 'guess')).status).toBe(401);
    const blocked = await login('dave', 'dave-password');
    expect([blocked.status, blocked.body.message]).toEqual([429, expect.stringMatching(/^too many failed logins for this address; retry in \d+ s$/)]);
  });
});

describe('the work a login costs', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', loginThrottle: { perUser: 1000, perAddress: 1000, windowS: 60 } });
    expect((await platform.api('POST', '/users', { body: { username: 'erin', password: 'erin-password', role: 'user' } })).status).toBe(201);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('is the same for an unknown user as for a known one with a wrong password', async () => {
    const timed = async (username: string) => {
      const started = process.hrtime.bigint();
      expect((await platform.api('POST', '/tokens', { body: { username, password: 'wrong-password' }, token: null })).status).toBe(401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await timed('erin'));
      unknown.push(await timed(`ghost-${i}`));
    }
    // Without the same scrypt work an unknown user answers in a millisecond and a known one in tens.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
    expect(median(known)).toBeGreaterThan(5);
  });

  it('upgrades a hash made with weaker parameters at the next login', async () => {
    const salt = randomBytes(16);
    const weak = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync('erin-password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
    const user = await platform.manager.database.users.findByUsername('erin');
    await platform.manager.database.users.setPasswordHash(user!.id, weak);
    expect((await platform.api('POST', '/tokens', { body: { username: 'erin', password: 'erin-password' }, token: null })).status).toBe(201);
    expect((await platform.manager.database.users.findByUsername('erin'))!.passwordHash).toMatch(/^scrypt\$16384\$8\$5\$/);
  });
});
