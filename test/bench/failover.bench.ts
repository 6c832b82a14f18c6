/**
 * Controller failover: kill -9 of the leading controller with a standby beside it, until the
 * standby serves (its presence online), ten times; beside the baseline from the same run — no
 * standby: kill -9, then a new controller process started at once, until it serves. Controllers
 * as processes of their own, as in production (embedded PostgreSQL; Mosquitto, where controllers
 * of one host may stand by for each other — on aedes a second one is refused).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Topics } from '../../libs/contracts/src';
import { Database } from '../../libs/persistence/src';
import { startEmbeddedPostgres } from '../../libs/runtime/src';
import { availableBrokers, startBroker } from '../support/brokers';
import { percentile, table } from './stats';

export async function benchFailover(rounds: number): Promise<string> {
  if (!availableBrokers().includes('mosquitto')) return 'Controller failover: skipped (it needs Mosquitto: apt-get install -y mosquitto)';
  const home = await mkdtemp(join(tmpdir(), 'stratos-bench-'));
  await chmod(home, 0o755);
  const postgres = await startEmbeddedPostgres({ home: join(home, 'pg') });
  const broker = await startBroker('mosquitto');
  await (await Database.open({ url: postgres.url, applicationName: 'bench-failover' })).close(); // migrated once, before the controllers race for it
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: postgres.url, MQTT_URL: broker.url, STRATOS_HOME: home, STRATOS_DOCKER: 'off', STRATOS_SWARM: 'off', LOG_LEVEL: 'warn' };
  const children = new Set<ChildProcess>();
  const online = new Map<number, () => void>();
  const watcher = await mqtt.connectAsync(broker.url);
  watcher.on('message', (topic, payload) => {
    if (payload.length === 0 || (JSON.parse(payload.toString()) as { status?: string }).status !== 'online') return;
    for (const [pid, resolve] of online) if (topic.includes(`-${pid}-`)) resolve();
  });
  await watcher.subscribeAsync(Topics.controllerPresence.all, { qos: 1 });
  const start = () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/apps/cloud-controller/src/main.js')], { env, stdio: 'ignore' });
    children.add(child);
    const serving = new Promise<void>((resolve) => online.set(child.pid!, resolve));
    return { child, serving };
  };
  const kill = async (child: ChildProcess) => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    children.delete(child);
  };
  const standingBy = async () => {
    const client = new (await import('pg')).default.Client({ connectionString: postgres.url });
    await client.connect();
    for (;;) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'stratos-leadership %'");
      if (rows[0].n >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await client.end();
  };
  try {
    let leader = start();
    await leader.serving;
    const withStandby: number[] = [];
    const restart: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const standby = start();
      await standingBy();
      const killedAt = performance.now();
      await kill(leader.child);
      await standby.serving;
      withStandby.push(performance.now() - killedAt);
      leader = standby;
    }
    for (let round = 0; round < rounds; round++) {
      const killedAt = performance.now();
      await kill(leader.child);
      leader = start();
      await leader.serving;
      restart.push(performance.now() - killedAt);
    }
    const figures = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return [percentile(sorted, 50).toFixed(0), sorted[sorted.length - 1].toFixed(0)];
    };
    return `Controller failover, kill -9 of the leader until a controller serves again (${rounds} each; no members)\n${table(['', 'p50 ms', 'max ms'], [
      ['a standby takes over', ...figures(withStandby)],
      ['baseline: no standby, a new process started at once', ...figures(restart)],
    ])}`;
  } finally {
    for (const child of children) await kill(child).catch(() => undefined);
    await watcher.endAsync();
    await broker.stop();
    await postgres.stop();
    await rm(home, { recursive: true, force: true });
  }
}
