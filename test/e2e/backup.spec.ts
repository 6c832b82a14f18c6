/**
 * `stratos backup` of a running `npm start`, and `stratos restore` into a new STRATOS_HOME as on a
 * new machine: the restored platform finds every definition, the deployment (its members
 * launched again here), the audit log and the topology's revisions; the admin's credential and the
 * key to sealed fields are the same. A second restore into a home that holds a database, and a
 * file that is no backup, are refused with the reason.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { BACKUP_TABLES } from '@stratos/persistence';
import { runCli } from '../support/cli';
import { deployKept, launchPlatform, type LaunchedPlatform } from '../support/launcher';

/** kill -9 of every member a home's local driver started (as if its machine were gone). */
function killMembersOf(home: string): void {
  const dir = join(home, 'members');
  if (!existsSync(dir)) return;
  for (const member of readdirSync(dir)) {
    try {
      process.kill(-(JSON.parse(readFileSync(join(dir, member, 'member.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

describe('backup and restore', () => {
  const homes: string[] = [];
  let running: LaunchedPlatform | null = null;

  const start = async (home: string) => {
    running = await launchPlatform(home);
    return running;
  };
  const stop = async () => {
    await running?.stop();
    running = null;
  };
  const newHome = async () => {
    const home = await mkdtemp(join(tmpdir(), 'stratos-backup-'));
    await chmod(home, 0o755);
    homes.push(home);
    return home;
  };

  afterAll(async () => {
    await stop();
    for (const home of homes) {
      killMembersOf(home);
      await rm(home, { recursive: true, force: true });
    }
  });

  it('restores into a new STRATOS_HOME everything a running platform had', async () => {
    const first = await newHome();
    const platform = await start(first);
    await deployKept(platform);
    const before = {
      cartridges: (await platform.api('GET', '/cartridges')).body.map((c: { type: string }) => c.type),
      applications: (await platform.api('GET', '/applications')).body.map((a: { applicationId: string }) => a.applicationId),
      policies: (await platform.api('GET', '/deploymentPolicies')).body.map((p: { id: string }) => p.id),
      revision: (await platform.api('GET', '/topology')).body.revision as number,
      audited: (await platform.api('GET', '/audit?limit=1000')).body.length as number,
    };

    // Backed up while it runs.
    const file = join(first, '..', `${first.split('/').pop()}.backup.gz`);
    homes.push(file); // removed with the homes
    const backup = await runCli(['backup', '--home', first, '--out', file], { env: { DATABASE_URL: '' }, timeoutMs: 60_000 });
    expect([backup.code, backup.stderr]).toEqual([0, expect.stringMatching(new RegExp(`backed up .* \\(the running platform\\) in [\\d.]+ s: \\d+ rows in ${BACKUP_TABLES.length} tables, 6 file\\(s\\) of the home`))]);
    expect(backup.stdout.trim()).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await runCli(['backup', '--home', first, '--out', file], { env: { DATABASE_URL: '' } });
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/exists: a backup never overwrites/)]);

    // The machine is gone: its platform and its members.
    await stop();
    killMembersOf(first);

    const second = await newHome();
    const restore = await runCli(['restore', file, '--home', second], { env: { DATABASE_URL: '' }, timeoutMs: 120_000 });
    expect([restore.code, restore.stderr]).toEqual([0, expect.stringMatching(/restored the backup of .* into .* \d+ rows, 6 file\(s\) of the home/)]);
    expect(readFileSync(join(second, 'secret.key'))).toEqual(readFileSync(join(first, 'secret.key')));
    expect(statSync(join(second, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(second, 'admin-credentials'), 'utf8')).toBe(readFileSync(join(first, 'admin-credentials'), 'utf8'));
    expect(readFileSync(join(second, 'tls', 'key.pem'))).toEqual(readFileSync(join(first, 'tls', 'key.pem'))); // clients that pinned its certificate still trust it
    expect(statSync(join(second, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);

    const restored = await start(second); // logs in with the same admin credential
    expect((await restored.api('GET', '/cartridges')).body.map((c: { type: string }) => c.type)).toEqual(before.cartridges);
    expect((await restored.api('GET', '/applications')).body.map((a: { applicationId: string }) => a.applicationId)).toEqual(before.applications);
    expect((await restored.api('GET', '/deploymentPolicies')).body.map((p: { id: string }) => p.id)).toEqual(before.policies);
    expect((await restored.api('GET', '/audit?limit=1000')).body.length).toBeGreaterThanOrEqual(before.audited);
    // The deployment is there, and gets members on this machine (the old ones are found gone and replaced).
    let runtime: { status: string; clusters: { members: { status: string; memberId: string }[] }[] } | undefined;
    for (let tries = 0; ; tries++) {
      runtime = (await restored.api('GET', '/applications/kept/runtime')).body;
      if (runtime?.status === 'Active' && runtime.clusters[0].members.filter((m) => m.status === 'Active').length === 2) break;
      if (tries > 600) throw new Error(`kept is not Active again on the restored platform: ${JSON.stringify(runtime)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await restored.api('GET', '/topology')).body.revision).toBeGreaterThan(before.revision);
    expect((await restored.api('POST', '/applications/kept/undeploy')).status).toBe(202);
    await stop();

    // Refused: a home that holds a database already, and a file that is not a backup.
    const twice = await runCli(['restore', file, '--home', second], { env: { DATABASE_URL: '' } });
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringMatching(/already holds a database: restore into a new STRATOS_HOME/)]);
    const junk = join(second, '..', `${second.split('/').pop()}.not-a-backup.gz`);
    homes.push(junk);
    writeFileSync(junk, gzipSync('hello\n'));
    const third = await newHome();
    const refused = await runCli(['restore', junk, '--home', third], { env: { DATABASE_URL: '' }, timeoutMs: 120_000 });
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/this is not a stratos backup/)]);
  }, 300_000);

  it("rotates the embedded database's password with the platform stopped, and the platform starts with the new one", async () => {
    const home = await newHome();
    const passwordFile = join(home, 'postgres', 'password');
    await start(home);
    const refused = await runCli(['secrets', 'rotate', 'database-password', '--home', home], { env: { DATABASE_URL: '' }, timeoutMs: 60_000 });
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/is running \(its database answers\): stop it first/)]);
    await stop();
    const old = readFileSync(passwordFile, 'utf8').trim();
    const rotated = await runCli(['secrets', 'rotate', 'database-password', '--home', home], { env: { DATABASE_URL: '' }, timeoutMs: 120_000 });
    expect([rotated.code, rotated.stdout, rotated.stderr]).toEqual([0, '', expect.stringMatching(/the embedded database's password is replaced in [\d.]+ s/)]);
    const next = readFileSync(passwordFile, 'utf8').trim();
    expect(next).not.toBe(old);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    expect(rotated.stderr).not.toContain(next);

    const platform = await start(home); // with the new one: it answers
    expect((await platform.api('GET', '/cartridges')).status).toBe(200);
    const port = Number(readFileSync(join(home, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[3]);
    const connectWith = async (password: string) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'stratos' });
      try {
        await client.connect();
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    expect(await connectWith(next)).toBe('accepted');
    expect(await connectWith(old)).toMatch(/password authentication failed/);
    await stop();
  }, 300_000);
});
