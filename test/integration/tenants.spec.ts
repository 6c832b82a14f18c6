/**
 * Tenants and their users at Stratos's paths, tried as the platform admin, as a tenant's admin and
 * user, and as Stratos's clients do (HTTP Basic on every request, /init, /session): a tenant's
 * users see their own tenant and nothing of another's; a deactivated tenant's tokens, Basic
 * credentials and logins stop at once and come back on activation; a refused request writes nothing.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowCounts } from '../support/databases';
import { availableBrokers } from '../support/brokers';
import { runCli } from '../support/cli';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const basic = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });

describe.each(availableBrokers())('tenants and users (%s)', (broker) => {
  let platform: TestPlatform;
  const login = async (username: string, password: string) => {
    const response = await platform.api('POST', '/tokens', { body: { username, password }, token: null });
    expect([response.status, response.body]).toEqual([201, expect.objectContaining({ token: expect.any(String) })]);
    return response.body.token as string;
  };
  const acme = { tenantDomain: 'Acme.com', admin: 'boss', adminPassword: 'acme-admin-password', email: 'ops@acme.com', firstname: 'Wile', lastName: 'Coyote' };

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it("adds a tenant from Stratos's TenantInfoBean, with its admin user, and lists, gets and searches it", async () => {
    const added = await platform.api('POST', '/tenants', { body: acme });
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe('/api/tenants/acme.com');
    expect(added.body).toMatchObject({ status: 'success', message: 'Tenant added successfully: [tenant] acme.com', warnings: [] });
    expect(added.body.tenant).toEqual({
      tenantId: expect.any(Number),
      tenantDomain: 'acme.com',
      admin: 'boss',
      email: 'ops@acme.com',
      firstName: 'Wile',
      lastName: 'Coyote',
      active: true,
      createdDate: expect.any(Number),
      quota: { deployments: null, members: null },
      usage: { deployments: 0, members: 0 },
    });
    expect(JSON.stringify(added.body)).not.toContain('acme-admin-password');
    await platform.post('/tenants', { tenantDomain: 'globex.org', admin: 'hank', adminPassword: 'globex-admin-password', email: 'hank@globex.org' });

    const list = await platform.api('GET', '/tenants');
    expect([list.status, list.headers.get('x-total-count'), list.body.map((t: { tenantDomain: string }) => t.tenantDomain)]).toEqual([200, '2', ['acme.com', 'globex.org']]);
    expect((await platform.api('GET', '/tenants/ACME.com')).body.tenantId).toBe(added.body.tenant.tenantId);
    expect((await platform.api('GET', '/tenants/search/lobe')).body.map((t: { tenantDomain: string }) => t.tenantDomain)).toEqual(['globex.org']);
    expect((await platform.api('GET', '/tenants/search/%25')).body).toEqual([]); // a LIKE wildcard matches only itself
    expect((await platform.api('GET', '/tenants/nowhere.net')).status).toBe(404);
  });

  it('refuses a bad or duplicate tenant at its pointer, writing nothing', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const refuse = async (body: object, status: number, errors: object[]) => {
      const response = await platform.api('POST', '/tenants', { body });
      expect([response.status, response.body.errors]).toEqual([status, errors]);
    };
    await refuse({ ...acme, tenantDomain: 'ACME.COM' }, 409, [{ path: '/tenantDomain', message: 'is taken' }]);
    await refuse({ ...acme, tenantDomain: 'localhost' }, 400, [expect.objectContaining({ path: '/tenantDomain', message: expect.stringMatching(/^must match/) })]);
    await refuse({ ...acme, tenantDomain: 'carbon.super' }, 400, [{ path: '/tenantDomain', message: `"carbon.super" is the platform's own (Stratos's super tenant), not a tenant's` }]);
    await refuse({ tenantDomain: 'initech.com', email: 'x@initech.com' }, 400, [
      { path: '/admin', message: 'is required to add a tenant' },
      { path: '/adminPassword', message: 'is required to add a tenant' },
    ]);
    await refuse({ ...acme, tenantDomain: 'initech.com', adminPassword: 'short' }, 400, [{ path: '/adminPassword', message: 'must be at least 12 characters' }]);
    await refuse({ ...acme, tenantDomain: 'initech.com', admin: 'bad name' }, 400, [expect.objectContaining({ path: '/admin' })]);
    await refuse({ ...acme, tenantDomain: 'initech.com', email: 'not an address' }, 400, [expect.objectContaining({ path: '/email' })]);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
  });

  it("lets a tenant's admin in — by token, by HTTP Basic, through /init and /session — to its own tenant and users only", async () => {
    const token = await login('boss@ACME.com', 'acme-admin-password');
    const asBoss = (method: string, path: string, body?: unknown) => platform.api(method, path, { token, body });
    expect((await asBoss('GET', '/tenants/acme.com')).body.admin).toBe('boss');
    expect((await asBoss('GET', '/tenants/globex.org')).status).toBe(404); // another tenant does not exist, as far as it can tell
    expect((await asBoss('GET', '/tenants')).status).toBe(403);
    expect((await asBoss('POST', '/tenants', { ...acme, tenantDomain: 'mine.com' })).status).toBe(403);
    expect((await asBoss('PUT', '/tenants/deactivate/globex.org')).status).toBe(403);
    // The platform's own: refused to every tenant user, whatever the route.
    for (const path of ['/deploymentPolicies', '/networkPartitions', '/audit', '/images', '/iaasProviders', '/cluster/any.cluster']) expect([path, (await asBoss('GET', path)).status]).toEqual([path, 403]);
    // What tenants read: cartridges and applications; the topology is theirs only (nothing deployed for acme: no application).
    for (const path of ['/cartridges', '/applications']) expect([path, (await asBoss('GET', path)).status]).toEqual([path, 200]);
    expect((await asBoss('GET', '/topology')).body.applications).toEqual([]);

    const init = await platform.api('GET', '/init', { token: null, headers: basic('boss@acme.com', 'acme-admin-password') });
    expect([init.status, init.body]).toEqual([200, { status: 'success', message: 'Successfully authenticated', userName: 'boss@acme.com', role: 'tenant-admin', tenantDomain: 'acme.com' }]);
    const session = await platform.api('GET', '/session', { token: null, headers: basic('boss@acme.com', 'acme-admin-password') });
    expect((await platform.api('GET', '/tenants/acme.com', { token: session.body.Success.sessionId })).status).toBe(200);
    expect((await platform.api('GET', '/init', { token: null, headers: basic('boss@acme.com', 'wrong-password') })).status).toBe(401);
    expect((await platform.api('GET', '/init', { token: null, headers: basic('admin', 'wrong-password') })).status).toBe(401);

    // Its users: "bob" is bob@acme.com; another tenant's name is refused.
    const added = await asBoss('POST', '/users', { userName: 'bob', credential: 'bob-the-builder', role: 'user', email: 'bob@acme.com' });
    expect([added.status, added.headers.get('location'), added.body.user]).toEqual([201, '/api/users/bob%40acme.com', expect.objectContaining({ userName: 'bob@acme.com', role: 'tenant-user', tenantDomain: 'acme.com' })]);
    expect((await asBoss('POST', '/users', { userName: 'eve@globex.org', credential: 'eve-the-intruder' })).status).toBe(403);
    expect((await asBoss('POST', '/users', { userName: 'carol', credential: 'carol-password', role: 'Internal/everyone' })).body.errors).toEqual([
      expect.objectContaining({ path: '/role', allowed: ['tenant-admin', 'tenant-user', 'admin', 'user'] }),
    ]);
    expect((await asBoss('GET', '/users')).body.map((u: { userName: string }) => u.userName)).toEqual(['bob@acme.com', 'boss@acme.com']);
    expect((await asBoss('GET', '/users?tenantDomain=globex.org')).status).toBe(403);
    // The platform admin sees the platform's users, or a tenant's when it asks.
    expect((await platform.api('GET', '/users')).body.map((u: { userName: string }) => u.userName)).toEqual(['admin']);
    expect((await platform.api('GET', '/users?tenantDomain=acme.com')).body).toHaveLength(2);

    // A tenant user manages nobody, and changes its own password.
    const bob = await login('bob@acme.com', 'bob-the-builder');
    expect((await platform.api('GET', '/users', { token: bob })).status).toBe(403);
    expect((await platform.api('POST', '/users', { token: bob, body: { userName: 'mallory', credential: 'mallory-password' } })).status).toBe(403);
    expect((await platform.api('PUT', '/users', { token: bob, body: { userName: 'boss', credential: 'taken-over-password' } })).status).toBe(403);
    expect((await platform.api('PUT', '/users/bob/password', { token: bob, body: { currentPassword: 'bob-the-builder', password: 'bob-the-rebuilder' } })).status).toBe(200);
    await login('bob@acme.com', 'bob-the-rebuilder');
    // The tenant's last admin stays.
    const lastAdmin = await asBoss('DELETE', '/users/boss');
    expect([lastAdmin.status, lastAdmin.body.message]).toEqual([409, '"boss@acme.com" is the last admin of the tenant acme.com; add another admin before it is removed']);
    expect((await asBoss('PUT', '/users', { userName: 'boss', role: 'user' })).status).toBe(409);
  });

  it('forgets verified Basic credentials at once when the password changes', async () => {
    const headers = basic('bob@acme.com', 'bob-the-rebuilder');
    expect((await platform.api('GET', '/tenants/acme.com', { token: null, headers })).status).toBe(200);
    const reset = await platform.api('PUT', '/users', { body: { userName: 'bob@acme.com', credential: 'bob-reset-by-admin' } });
    expect([reset.status, reset.body.message]).toEqual([200, 'User updated successfully: [user] bob@acme.com']);
    expect((await platform.api('GET', '/tenants/acme.com', { token: null, headers })).status).toBe(401);
    expect((await platform.api('GET', '/tenants/acme.com', { token: null, headers: basic('bob@acme.com', 'bob-reset-by-admin') })).status).toBe(200);
  });

  it("deactivation stops a tenant's tokens, Basic credentials and logins at once, and activation brings them back; another tenant is untouched", async () => {
    const boss = await login('boss@acme.com', 'acme-admin-password');
    const hank = await login('hank@globex.org', 'globex-admin-password');
    const headers = basic('boss@acme.com', 'acme-admin-password');
    expect((await platform.api('GET', '/tenants/acme.com', { token: null, headers })).status).toBe(200); // cached now

    const off = await platform.api('PUT', '/tenants/deactivate/acme.com');
    expect([off.status, off.body.message, off.body.tenant.active]).toEqual([200, 'Tenant deactivated successfully: [tenant] acme.com', false]);
    expect((await platform.api('GET', '/tenants/acme.com', { token: boss })).status).toBe(401);
    expect((await platform.api('GET', '/tenants/acme.com', { token: null, headers })).status).toBe(403);
    const refused = await platform.api('POST', '/tokens', { body: { username: 'boss@acme.com', password: 'acme-admin-password' }, token: null });
    expect([refused.status, refused.body.message]).toEqual([403, 'the tenant "acme.com" is deactivated: its users cannot log in until the platform admin activates it']);
    expect((await platform.api('GET', '/tenants/globex.org', { token: hank })).status).toBe(200);
    expect((await platform.api('GET', '/tenants/acme.com')).body.active).toBe(false); // nothing deleted

    expect((await platform.api('PUT', '/tenants/activate/acme.com')).body.tenant.active).toBe(true);
    expect((await platform.api('GET', '/tenants/acme.com', { token: boss })).status).toBe(200);
  });

  it("updates a tenant from Stratos's PUT body — its own admin may too — and resets its admin's password", async () => {
    const boss = await login('boss@acme.com', 'acme-admin-password');
    const own = await platform.api('PUT', '/tenants', { token: boss, body: { tenantDomain: 'acme.com', email: 'it@acme.com' } });
    expect([own.status, own.body.tenant.email]).toEqual([200, 'it@acme.com']);
    const hank = await login('hank@globex.org', 'globex-admin-password');
    expect((await platform.api('PUT', '/tenants', { token: hank, body: { tenantDomain: 'acme.com', email: 'x@globex.org' } })).status).toBe(404);
    const id = (await platform.api('GET', '/tenants/acme.com')).body.tenantId as number;
    expect((await platform.api('PUT', '/tenants', { body: { tenantDomain: 'acme.com', tenantId: id + 100 } })).body.errors).toEqual([{ path: '/tenantId', message: `is ${id} for acme.com, not ${id + 100}` }]);
    expect((await platform.api('PUT', '/tenants', { body: { tenantDomain: 'acme.com', adminPassword: 'a-brand-new-password' } })).status).toBe(200);
    expect((await platform.api('GET', '/tenants/acme.com', { token: boss })).status).toBe(401); // its sessions ended
    await login('boss@acme.com', 'a-brand-new-password');
  });

  it('stratos tenant and user commands, and their Stratos names, work as the platform admin and as a tenant admin', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'stratos-cli-')), 'cli.json');
    const env = { STRATOS_CLI_CONFIG: config, STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
    const cli = async (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env, ...extra } });
    const added = await cli(['tenant', 'add', '-d', 'initech.com', '-u', 'bill', '-p', 'initech-admin-password', '-e', 'bill@initech.com', '-f', 'Bill', '-l', 'Lumbergh']);
    expect([added.code, added.stdout.trim()]).toEqual([0, 'Tenant added successfully: [tenant] initech.com']);
    const list = await cli(['list-tenants']);
    expect(list.stdout.split('\n')[0]).toMatch(/^DOMAIN\s+ID\s+ADMIN\s+EMAIL\s+ACTIVE\s+CREATED$/);
    expect(list.stdout).toMatch(/initech\.com\s+\d+\s+bill\s+bill@initech\.com\s+yes/);
    const json = JSON.parse((await cli(['tenant', 'list', '--json'])).stdout) as { tenantDomain: string }[];
    expect(json.map((t) => t.tenantDomain)).toEqual(['acme.com', 'globex.org', 'initech.com']);
    expect((await cli(['deactivate-tenant', 'initech.com'])).stdout.trim()).toBe('Tenant deactivated successfully: [tenant] initech.com');
    expect(JSON.parse((await cli(['tenant', 'get', 'initech.com', '-o', 'json'])).stdout).active).toBe(false);
    expect((await cli(['tenant', 'activate', 'initech.com'])).code).toBe(0);

    // The tenant admin logs in as Stratos's users did (user@domain) and adds a user with Stratos's command.
    const { STRATOS_TOKEN: _, ...noToken } = env;
    const asBill = { STRATOS_CLI_CONFIG: join(mkdtempSync(join(tmpdir(), 'stratos-cli-')), 'cli.json'), STRATOS_URL: platform.url };
    const loggedIn = await runCli(['login', '-u', 'bill@initech.com', '-p', 'initech-admin-password'], { env: { ...noToken, ...asBill } });
    expect([loggedIn.code, loggedIn.stdout]).toEqual([0, expect.stringContaining('as bill@initech.com (tenant-admin)')]);
    const user = await runCli(['add-user', '-u', 'milton', '-p', 'red-stapler-password', '-r', 'user', '-f', 'Milton', '-l', 'Waddams', '-e', 'milton@initech.com'], { env: asBill });
    expect([user.code, user.stdout.trim()]).toEqual([0, 'User added successfully: [user] milton@initech.com']);
    const users = await runCli(['user', 'list'], { env: asBill });
    expect(users.stdout).toMatch(/milton@initech\.com\s+tenant-user/);
    expect((await runCli(['tenant', 'list'], { env: asBill })).stderr).toContain("this is the platform's, not a tenant's");
    expect((await runCli(['remove-user', 'milton'], { env: asBill })).stdout.trim()).toBe('User deleted successfully: [user] milton@initech.com');
    expect(readFileSync(asBill.STRATOS_CLI_CONFIG, 'utf8')).not.toContain('initech-admin-password');

    expect((await cli(['tenant', 'remove', 'initech.com'])).stdout.trim()).toBe('Tenant deleted successfully: [tenant] initech.com');
    expect((await platform.api('POST', '/tokens', { body: { username: 'bill@initech.com', password: 'initech-admin-password' }, token: null })).status).toBe(401);
  });
});
