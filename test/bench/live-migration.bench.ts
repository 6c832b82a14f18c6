/**
 * The hello sample's database (a real PostgreSQL on a volume) moved between two local regions
 * while a client POSTs BENCH_LIVE_RATE (200) requests/s through its load balancer, each inserting
 * a row: live (to the other region), then cold (back), in the same run and under the same load.
 * For each: how long the member was frozen (live) or down (cold), the requests that failed (5 s
 * client timeout; the web tier retries an unreachable database for 4.5 s), and acknowledged rows
 * missing afterwards.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxAvailable } from '@stratos/iaas';
import type { MemberMigrationView, MemberView } from '@stratos/contracts';
import { runCli, ROOT } from '../support/cli';
import { steadyLoad } from '../support/load';
import { startBenchPlatform } from './bench-platform';
import { table } from './stats';

const RATE = Number(process.env.BENCH_LIVE_RATE ?? 200);
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export async function benchLiveMigration(): Promise<string> {
  if (!has('psql') || !has('haproxy') || !sandboxAvailable()) return 'Live migration: skipped (needs psql, haproxy and bubblewrap: apt-get install -y postgresql-client haproxy bubblewrap)';
  const west = await mkdtemp(join(tmpdir(), 'stratos-bench-west-'));
  await chmod(west, 0o755);
  const platform = await startBenchPlatform({ regions: [{ driver: 'local', region: 'west', endpoint: west }] });
  try {
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.token };
    const cli = async (args: string[]) => {
      const result = await runCli(args, { env, timeoutMs: 180_000 });
      if (result.code !== 0) throw new Error(`stratos ${args.join(' ')}: ${result.stderr || result.stdout}`);
      return result.stdout + result.stderr;
    };
    await cli(['import', join(ROOT, 'samples'), '--iaas', 'local']);
    const np = await platform.call('GET', '/networkPartitions/this-machine');
    await platform.call('PUT', '/networkPartitions', { ...np, partitions: [...np.partitions, { id: 'west', property: [{ name: 'region', value: 'west' }] }] }, 200);
    const dp = await platform.call('GET', '/deploymentPolicies/spread');
    dp.networkPartitions[0].partitions.push({ id: 'west', partitionMax: 1 });
    await platform.call('PUT', '/deploymentPolicies', dp, 200);
    await cli(['app', 'deploy', 'hello', '--policy', 'single-machine', '--wait']);
    const members = async (alias: string): Promise<MemberView[]> => (await platform.call('GET', '/applications/hello/runtime')).clusters.find((c: { alias: string }) => c.alias === alias).members;
    const [lb] = await members('hello-lb');
    const url = `http://${lb.host}:${lb.ports.find((p) => p.port === 8000)!.hostPort}/cgi-bin/hello`;
    for (let i = 0; i < 100 && (await fetch(url).catch(() => null))?.status !== 200; i++) await new Promise((r) => setTimeout(r, 200));

    const rows: string[][] = [];
    for (const [mode, to] of [
      ['live', 'west'],
      ['cold', 'slot-a'],
    ] as const) {
      const [db] = await members('hello-db');
      const load = steadyLoad({ url: (n) => `${url}?said=${mode}${n}`, method: 'POST', ratePerS: RATE, timeoutMs: 5000 });
      await new Promise((r) => setTimeout(r, 2000));
      const printed = await cli(['member', 'migrate', db.memberId, '--to', `this-machine/${to}`, `--${mode}`]);
      await new Promise((r) => setTimeout(r, 2000));
      const result = await load.stop();
      const migration = (await platform.call('GET', `/migrations/${/migration ([0-9a-f-]{36})/.exec(printed)![1]}`)) as MemberMigrationView;
      const [after] = await members('hello-db');
      const volume = after.driver === 'local@west' ? join(west, 'volumes') : join(platform.home, 'volumes');
      const password = (await readFile(join(volume, after.clusterId, `slot-${after.sid}`, 'pgdata', 'password'), 'utf8')).trim();
      const saved = spawnSync('psql', ['-qtAX', '-h', after.host!, '-p', String(after.ports.find((p) => p.port === 5432)!.hostPort), '-U', 'hello', '-d', 'hello', '-c', `SELECT said_by FROM greetings WHERE said_by LIKE '%/${mode}%'`], { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
      const names = new Set(saved.stdout.split('\n').map((line) => line.split('/')[1]));
      const lost = result.acknowledged.filter((n) => !names.has(`${mode}${n}`)).length;
      const sorted = [...result.latenciesMs].sort((a, b) => a - b);
      rows.push([
        `${mode} (${migration.from.driver} → ${migration.to.driver})`,
        ((migration.downtimeMs ?? 0) / 1000).toFixed(2),
        String(migration.rounds),
        String(result.sent),
        String(result.failures.length),
        saved.status === 0 ? String(lost) : '?',
        String(Math.round(sorted[Math.floor(sorted.length * 0.99)])),
      ]);
    }
    return [
      `Live migration of hello-db (PostgreSQL) under ${RATE} POST/s through HAProxy, each a row; the same member moved cold in the same run (client timeout 5 s)`,
      table(['move', 'frozen/down (s)', 'rounds', 'requests', 'failed', 'rows lost', 'p99 (ms)'], rows),
    ].join('\n');
  } finally {
    await platform.stop();
    await rm(west, { recursive: true, force: true });
  }
}
