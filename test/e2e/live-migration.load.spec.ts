/**
 * Live migration, as the issue's acceptance puts it: the three-tier hello sample on the local
 * driver, its database (`hello-db`, a real PostgreSQL on a volume) moved to another region's
 * folder with `stratos member migrate --live` while a client POSTs 200 requests/s through the load
 * balancer, each inserting a row. No request fails (5 s client timeout), every acknowledged row is
 * in the database on the target afterwards, and the freeze window is printed.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxAvailable } from '@stratos/iaas';
import type { MemberMigrationView, MemberView } from '@stratos/contracts';
import { runCli, ROOT } from '../support/cli';
import { steadyLoad } from '../support/load';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { IN_CI } from '../support/test-env';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const missing = ['psql', 'haproxy'].find((c) => !has(c)) ?? (sandboxAvailable() ? null : 'bwrap');
if (missing) {
  const line = `SKIPPED live migration of the hello database: no ${missing} here (apt-get install -y postgresql-client haproxy bubblewrap); .ci/run installs them`;
  if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
  process.stdout.write(`${line}\n`);
}

const RATE = 200;

(missing ? describe.skip : describe)('live migration of the hello database under 200 requests/s (local regions)', () => {
  let platform: TestPlatform;
  let west: string;
  let env: Record<string, string>;
  const members = async (alias: string) => (await platform.runtime('hello')).clusters.find((c) => c.alias === alias)!.members as MemberView[];

  beforeAll(async () => {
    west = await mkdtemp(join(tmpdir(), 'stratos-region-west-'));
    await chmod(west, 0o755); // members of a root controller run as users of their own
    platform = await startTestPlatform({ broker: 'aedes', memberStartTimeoutMs: 90_000, regions: [{ driver: 'local', region: 'west', endpoint: west }] });
    env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
    const imported = await runCli(['import', join(ROOT, 'samples'), '--iaas', 'local'], { env });
    expect(imported.stderr).toContain('0 refused');
    // A partition in the region "west" beside the sample's two, which the policy fills last (round robin over three, one member at most there).
    const np = (await platform.api('GET', '/networkPartitions/this-machine')).body;
    expect((await platform.api('PUT', '/networkPartitions', { body: { ...np, partitions: [...np.partitions, { id: 'west', property: [{ name: 'region', value: 'west' }] }] } })).status).toBe(200);
    const dp = (await platform.api('GET', '/deploymentPolicies/spread')).body;
    dp.networkPartitions[0].partitions.push({ id: 'west', partitionMax: 1 });
    expect((await platform.api('PUT', '/deploymentPolicies', { body: dp })).status).toBe(200);
    const deployed = await runCli(['app', 'deploy', 'hello', '--policy', 'single-machine', '--wait'], { env, timeoutMs: 120_000 });
    expect({ code: deployed.code, output: deployed.stdout + deployed.stderr }).toEqual({ code: 0, output: expect.anything() });
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
    if (west) await rm(west, { recursive: true, force: true });
  });

  it('moves the database to the other region with no failed request and every acknowledged row kept', async () => {
    const [db] = await members('hello-db');
    const [lb] = await members('hello-lb');
    expect(db.partitionId).not.toBe('west');
    const url = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}/cgi-bin/hello`;
    await until('the balancer answers', async () => (await fetch(url).catch(() => null))?.status === 200, 60_000);

    const watch = await platform.watchEvents();
    const load = steadyLoad({ url: (n) => `${url}?said=r${n}`, method: 'POST', ratePerS: RATE, timeoutMs: 5000 });
    await until('2 s of load', async () => load.sentSoFar() >= 2 * RATE, 10_000);
    const moved = await runCli(['member', 'migrate', db.memberId, '--to', 'this-machine/west', '--live'], { env, timeoutMs: 120_000 });
    const afterMove = load.sentSoFar();
    await until('2 s more of load', async () => load.sentSoFar() >= afterMove + 2 * RATE, 10_000);
    const result = await load.stop();
    await watch.close();
    expect({ code: moved.code, output: moved.stdout + moved.stderr }).toEqual({ code: 0, output: expect.stringMatching(/migrated .* frozen \d+(\.\d+)? s/) });

    // One member all along: Migrating, then Active on the target (never Lost, never replaced); the migration's phases in order.
    const dbEvents = watch.events.filter((e) => e.payload.clusterId === db.clusterId);
    const states = dbEvents.filter((e) => e.type === 'MemberStatusChanged').map((e) => `${e.payload.member.memberId === db.memberId ? 'db' : e.payload.member.memberId} ${e.payload.member.status}${e.payload.member.status === 'Lost' ? ` (${e.payload.reason})` : ''}`);
    expect(states).toEqual(['db Migrating', 'db Active']);
    const phases = dbEvents.filter((e) => e.type === 'MemberMigration').map((e) => e.payload.migration.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['Copying', 'Freezing', 'Starting', 'Done']);
    const [after] = await members('hello-db');
    expect([after.memberId, after.sid, after.partitionId, after.status]).toEqual([db.memberId, db.sid, 'west', 'Active']);
    const migration = (await platform.api('GET', `/migrations/${/migration ([0-9a-f-]{36})/.exec(moved.stdout + moved.stderr)![1]}`)).body as MemberMigrationView;

    // Every acknowledged row is in the database on the target (a request retried over the move may have written twice: never none).
    const password = readPassword(west, after);
    const rows = spawnSync('psql', ['-qtAX', '-h', after.host!, '-p', String(after.ports.find((p) => p.port === 5432)!.hostPort), '-U', 'hello', '-d', 'hello', '-c', 'SELECT said_by FROM greetings'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
    expect(rows.status).toBe(0);
    const saved = new Set(rows.stdout.split('\n').map((l) => l.split('/')[1]).filter(Boolean));
    const lost = result.acknowledged.filter((n) => !saved.has(`r${n}`));
    // Where the freeze went: the last round (Freezing → Starting), the target's start (Starting → the switch).
    const at = (phase: string) => Date.parse(dbEvents.find((e) => e.type === 'MemberMigration' && e.payload.migration.phase === phase)!.timestamp);
    const switchedAt = Date.parse(dbEvents.find((e) => e.type === 'MemberStatusChanged' && e.payload.member.status === 'Active')!.timestamp);
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    const p = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    process.stdout.write(
      `live migration of hello-db under load: ${result.sent} POSTs at ${Math.round(result.sent / (result.durationMs / 1000))}/s, ${result.failures.length} failed, ${lost.length} acknowledged rows lost; ` +
        `frozen ${migration.downtimeMs} ms (last round ${at('Starting') - at('Freezing')} ms, the target's start ${switchedAt - at('Starting')} ms), ${(migration.copiedBytes / 1e6).toFixed(1)} MB copied in ${migration.rounds} rounds; latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms\n`,
    );
    expect(result.failures.slice(0, 5)).toEqual([]);
    expect(lost).toEqual([]);
    expect(result.acknowledged.length).toBe(result.sent);
  }, 240_000);

  it('moves it back cold under the same load: every acknowledged row kept (the database stops before its volume is copied)', async () => {
    const [db] = await members('hello-db');
    const [lb] = await members('hello-lb');
    expect(db.partitionId).toBe('west'); // where the live move left it
    const url = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}/cgi-bin/hello`;
    const load = steadyLoad({ url: (n) => `${url}?said=c${n}`, method: 'POST', ratePerS: RATE, timeoutMs: 5000 });
    await until('2 s of load', async () => load.sentSoFar() >= 2 * RATE, 10_000);
    const home = (await platform.runtime('hello')).clusters.find((c) => c.alias === 'hello-web')!.members[0].partitionId!;
    const moved = await runCli(['member', 'migrate', db.memberId, '--to', `this-machine/${home}`, '--cold'], { env, timeoutMs: 120_000 });
    const afterMove = load.sentSoFar();
    await until('2 s more of load', async () => load.sentSoFar() >= afterMove + 2 * RATE, 10_000);
    const result = await load.stop();
    expect({ code: moved.code, output: moved.stdout + moved.stderr }).toEqual({ code: 0, output: expect.stringMatching(/migrated .* down \d+(\.\d+)? s/) });
    const [after] = await members('hello-db');
    expect([after.memberId, after.partitionId, after.status]).toEqual([db.memberId, home, 'Active']);
    const password = readPassword(platform.home, after);
    const rows = spawnSync('psql', ['-qtAX', '-h', after.host!, '-p', String(after.ports.find((p) => p.port === 5432)!.hostPort), '-U', 'hello', '-d', 'hello', '-c', 'SELECT said_by FROM greetings'], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
    expect(rows.status).toBe(0);
    const saved = new Set(rows.stdout.split('\n').map((l) => l.split('/')[1]).filter(Boolean));
    const lost = result.acknowledged.filter((n) => !saved.has(`c${n}`));
    process.stdout.write(`cold migration of hello-db under load: ${result.sent} POSTs, ${result.failures.length} failed, ${lost.length} of ${result.acknowledged.length} acknowledged rows lost; ${/down [\d.]+ s/.exec(moved.stdout + moved.stderr)?.[0]}\n`);
    expect(lost).toEqual([]);
  }, 240_000);
});

/** The database's password, generated at its first boot and kept on its volume (now in the west region's folder). */
function readPassword(region: string, db: MemberView): string {
  return spawnSync('cat', [join(region, 'volumes', db.clusterId, `slot-${db.sid}`, 'pgdata', 'password')], { encoding: 'utf8' }).stdout.trim();
}
