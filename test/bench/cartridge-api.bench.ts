/**
 * Cartridge create and get through the whole path (HTTP → manager → MQTT → controller →
 * PostgreSQL, and the topology event), with 1 and 32 requests in flight, beside the floor:
 * a bare PostgreSQL insert and select of the same row from the same run, and creates beside the
 * same hops written by hand (same-hops.ts). The manager and the
 * controller are processes of their own, as `npm start` runs them (the broker is embedded in
 * this one, as in npm start's parent), so that the load generator's CPU is not theirs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Database } from '../../libs/persistence/src';
import { freePort, startEmbeddedBroker, startEmbeddedPostgres } from '../../libs/runtime/src';
import { postgresCpuSeconds, processCpuSeconds } from './cpu';
import { startSameHops } from './same-hops';
import { interleaved, measure, row, table, type Figures } from './stats';

/** Alternating rounds per row (interleaved): each round a fifth of BENCH_REQUESTS. */
const ROUNDS = 5;

/** BENCH_CHILD_ENV='{"LOG_LEVEL":"warn"}': more settings for the manager and the controller, to compare one setting's cost. */
function benchChildEnv(): Record<string, string> {
  const text = process.env.BENCH_CHILD_ENV;
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error(`BENCH_CHILD_ENV must be a JSON object of strings, as {"LOG_LEVEL":"warn"}; got ${text}`);
  }
  return parsed as Record<string, string>;
}

const cartridge = (type: string) => ({
  type,
  provider: 'apache',
  category: 'framework',
  multiTenant: false,
  portMapping: [{ name: 'http', protocol: 'http', port: 8080, proxyPort: 8280 }],
  iaasProvider: [{ type: 'docker', imageId: 'stratos/php:8.3' }],
});

export async function benchCartridgeApi(options: { requests: number; mqttUrl?: string; label?: string }): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'stratos-bench-'));
  const { chmod } = await import('node:fs/promises');
  await chmod(home, 0o755);
  const postgres = await startEmbeddedPostgres({ home: join(home, 'pg') });
  const broker = options.mqttUrl ? null : await startEmbeddedBroker({ port: 0 });
  const mqttUrl = options.mqttUrl ?? broker!.url;
  // Migrations first (the controller would run them too; the floor's table copies one of theirs).
  await (await Database.open({ url: postgres.url, applicationName: 'bench-floor' })).close();
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: postgres.url, MQTT_URL: mqttUrl, STRATOS_HOME: home, STRATOS_DOCKER: 'off', STRATOS_API_HOST: '127.0.0.1', STRATOS_API_PORT: String(port), STRATOS_RPC_TIMEOUT_MS: '30000', ...benchChildEnv() };
  const children: ChildProcess[] = [];
  const start = (app: string) => {
    // BENCH_PROFILE=DIR: each process's CPU profile (written as it exits), for Chrome's DevTools.
    const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, join(process.cwd(), `dist/apps/${app}/src/main.js`)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(child);
    return child;
  };
  const controller = start('cloud-controller');
  const manager = start('stratos-manager');
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const health = await fetch(`${url}/api/health`).then((r) => (r.ok ? (r.json() as Promise<{ cloudController: string }>) : null), () => null);
    if (health?.cloudController === 'up') break;
    if (tries > 600) throw new Error('the manager and the controller did not come up within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const password = /password=(.*)/.exec(await readFile(join(home, 'admin-credentials'), 'utf8'))![1];
  const token = ((await (await fetch(`${url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token: string }).token;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  // node:http on kept-alive sockets, not fetch: the load generator shares the machine (and this
  // process the broker), and undici's per-request CPU would be counted against the platform.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method: string, path: string, body?: unknown, expected = 200, at = `${url}/api`) =>
    new Promise<void>((resolve, reject) => {
      const sent = httpRequest(`${at}${path}`, { method, headers, agent }, (response) => {
        response.resume();
        response.once('end', () => (response.statusCode === expected ? resolve() : reject(new Error(`${method} ${path}: ${response.statusCode}`))));
      });
      sent.once('error', reject);
      sent.end(body === undefined ? undefined : JSON.stringify(body));
    });

  // The floor: the same row, straight into PostgreSQL, same server, same run.
  const client = new pg.Pool({ connectionString: postgres.url, max: 32 });
  client.on('error', () => undefined); // the server stops at the end of the run
  await client.query('CREATE TABLE bench_floor (LIKE cartridges INCLUDING ALL)');
  await client.query('CREATE TABLE bench_same_hops (LIKE cartridges INCLUDING ALL)');
  const sameHops = await startSameHops({ mqttUrl, databaseUrl: postgres.url, table: 'bench_same_hops', port: await freePort() });
  const definition = JSON.stringify(cartridge('x'));
  const floorInsert = (prefix: string) => async (i: number) => {
    await client.query('INSERT INTO bench_floor (type, category, definition, providers, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, now(), now())', [
      `${prefix}-${i}`,
      'framework',
      definition,
      '[]',
      'bench',
    ]);
  };
  const floorSelect = (prefix: string) => async (i: number) => {
    await client.query('SELECT * FROM bench_floor WHERE type = $1', [`${prefix}-${i}`]);
  };

  const n = options.requests;
  /** A row's label, the platform's figures, the floor's, and (creates) the same hops by hand. */
  const results: [string, Figures, Figures, Figures?][] = [];
  // CPU seconds per process over each platform row (its rounds only): where a request's time goes.
  type Cpu = { manager: number; controller: number; 'broker and load generator': number; PostgreSQL: number };
  const cpuByRow = new Map<string, Cpu>();
  const cpuNow = (): Cpu => ({ manager: processCpuSeconds(manager.pid!), controller: processCpuSeconds(controller.pid!), 'broker and load generator': process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6, PostgreSQL: postgresCpuSeconds(join(home, 'pg', 'data')) });
  const onPlatform = (label: string) => async <T>(work: () => Promise<T>): Promise<T> => {
    const before = cpuNow();
    const figures = await work();
    const after = cpuNow();
    const sum = cpuByRow.get(label) ?? { manager: 0, controller: 0, 'broker and load generator': 0, PostgreSQL: 0 };
    for (const key of Object.keys(sum) as (keyof Cpu)[]) sum[key] += after[key] - before[key];
    cpuByRow.set(label, sum);
    return figures;
  };
  // Warm-up, not measured: each process's first thousand requests compile its code and grow its heap
  // (the first row measured 9 ms of CPU per create against 2–3 ms once warm).
  const WARM_UP = 1000;
  await measure(WARM_UP, 8, floorInsert('warm'));
  await measure(WARM_UP, 8, (i) => call('POST', '/cartridges', cartridge(`warm-${i}`), 201));
  await measure(WARM_UP, 8, (i) => call('GET', `/cartridges/warm-${i}`));
  await measure(WARM_UP, 8, (i) => call('POST', '/', cartridge(`warm-${i}`), 201, sameHops.url));
  for (const inFlight of [1, 32]) {
    // The platform and its floors in alternating rounds: this machine's PostgreSQL alone varies 2× from one minute to the next.
    const creates = await interleaved(ROUNDS, n, inFlight, [
      { name: 'floor', operation: floorInsert(`f${inFlight}`), around: onPlatform(`bare PostgreSQL insert, ${inFlight} in flight`) },
      { name: 'platform', operation: (i) => call('POST', '/cartridges', cartridge(`c${inFlight}-${i}`), 201), around: onPlatform(`create, ${inFlight} in flight`) },
      { name: 'byHand', operation: (i) => call('POST', '/', cartridge(`h${inFlight}-${i}`), 201, sameHops.url) },
    ]);
    const gets = await interleaved(ROUNDS, n, inFlight, [
      { name: 'floor', operation: floorSelect(`f${inFlight}`) },
      { name: 'platform', operation: (i) => call('GET', `/cartridges/c${inFlight}-${i}`), around: onPlatform(`get, ${inFlight} in flight`) },
    ]);
    results.push([`create, ${inFlight} in flight`, creates.platform, creates.floor, creates.byHand], [`get, ${inFlight} in flight`, gets.platform, gets.floor]);
  }
  // Where the time goes: the manager's HTTP path alone (GET /api/health: no token, no controller, one SELECT 1)
  // beside a bare SELECT 1 — what the framework and the middleware cost before MQTT and the controller.
  for (const inFlight of [1, 32]) {
    const floorPing = await measure(n, inFlight, async () => void (await client.query('SELECT 1')));
    const health = await onPlatform(`HTTP path alone (health), ${inFlight} in flight`)(() =>
      measure(n, inFlight, () =>
        new Promise<void>((resolve, reject) => {
          httpRequest(`${url}/api/health`, { agent }, (response) => {
            response.resume();
            response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`GET /api/health: ${response.statusCode}`))));
          }).once('error', reject).end();
        }),
      ),
    );
    results.push([`HTTP path alone (health), ${inFlight} in flight`, health, floorPing]);
  }

  await client.end();
  agent.destroy();
  await sameHops.stop();
  const stopped = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  for (const child of [manager, controller]) {
    child.kill('SIGTERM');
    await stopped(child);
  }
  await broker?.stop();
  await postgres.stop();
  await rm(home, { recursive: true, force: true });

  const rows = results.flatMap(([label, platform, floor, byHand]) => [
    row(`${label}: platform`, platform, floor),
    ...(byHand ? [row(`${label}: same hops by hand`, byHand, floor)] : []),
    row(`${label}: bare PostgreSQL`, floor),
  ]);
  // CPU ms per request of each platform row and the insert's floor: which process a request costs what.
  const cpuRows = [...cpuByRow].map(([label, sum]) => [label, ...Object.values(sum).map((seconds) => ((seconds * 1000) / n).toFixed(2)), ((Object.values(sum).reduce((a, b) => a + b, 0) * 1000) / n).toFixed(2)]);
  return `Cartridge API, ${n} requests per row in ${ROUNDS} rounds alternating with their floors, broker ${options.label ?? 'aedes (embedded)'}; manager and controller as processes of their own; "same hops by hand": HTTP → MQTT → a worker → one INSERT → reply and event → HTTP, no framework (same-hops.ts): what the architecture itself costs\n${table(['operation', 'ops/s', 'p50 ms', 'p99 ms', 'floor÷platform'], rows)}\nCPU ms per platform request, by process:\n${table(['row', 'manager', 'controller', 'broker and load generator', 'PostgreSQL', 'all'], cpuRows)}`;
}
