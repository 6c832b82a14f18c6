/**
 * Cartridge create and get through the whole path (HTTP → manager → MQTT → controller →
 * PostgreSQL, and the topology event), with 1 and 32 requests in flight, beside the floor:
 * a bare PostgreSQL insert and select of the same row from the same run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startCloudController } from '../../apps/cloud-controller/src/cloud-controller';
import { startStratosManager } from '../../apps/stratos-manager/src/stratos-manager';
import { Database } from '../../libs/persistence/src';
import { startEmbeddedBroker, startEmbeddedPostgres } from '../../libs/runtime/src';
import { measure, row, table, type Figures } from './stats';

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
  const controller = await startCloudController(
    { databaseUrl: postgres.url, mqttUrl, home, agentEntry: join(process.cwd(), 'dist/apps/cartridge-agent/src/main.js'), reconcileIntervalMs: 1000, memberStartTimeoutMs: 60_000, docker: 'off' }, // no members here: no Docker network left behind
    { logger: false },
  );
  const manager = await startStratosManager(
    { databaseUrl: postgres.url, mqttUrl, home, host: '127.0.0.1', port: 0, rpcTimeoutMs: 30_000, bodyLimitBytes: 1 << 20, tokenTtlHours: 1 },
    { logger: false },
  );
  const password = /password=(.*)/.exec(await readFile(join(home, 'admin-credentials'), 'utf8'))![1];
  const token = ((await (await fetch(`${manager.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token: string }).token;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const call = async (method: string, path: string, body?: unknown, expected = 200) => {
    const response = await fetch(`${manager.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    await response.arrayBuffer();
    if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status}`);
  };

  // The floor: the same row, straight into PostgreSQL, same server, same run.
  const floorDb = await Database.open({ url: postgres.url, applicationName: 'bench-floor' });
  await floorDb.close();
  const client = new pg.Pool({ connectionString: postgres.url, max: 32 });
  client.on('error', () => undefined); // the server stops at the end of the run
  await client.query('CREATE TABLE bench_floor (LIKE cartridges INCLUDING ALL)');
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
  const results: [string, Figures, Figures][] = [];
  for (const inFlight of [1, 32]) {
    const floorCreate = await measure(n, inFlight, floorInsert(`f${inFlight}`));
    const create = await measure(n, inFlight, (i) => call('POST', '/cartridges', cartridge(`c${inFlight}-${i}`), 201));
    const floorGet = await measure(n, inFlight, floorSelect(`f${inFlight}`));
    const get = await measure(n, inFlight, (i) => call('GET', `/cartridges/c${inFlight}-${i}`));
    results.push([`create, ${inFlight} in flight`, create, floorCreate], [`get, ${inFlight} in flight`, get, floorGet]);
  }

  await client.end();
  await manager.close();
  await controller.close();
  await broker?.stop();
  await postgres.stop();
  await rm(home, { recursive: true, force: true });

  const rows = results.flatMap(([label, platform, floor]) => [row(`${label}: platform`, platform, floor), row(`${label}: bare PostgreSQL`, floor)]);
  return `Cartridge API, ${n} requests per row, broker ${options.label ?? 'aedes (embedded)'}\n${table(['operation', 'ops/s', 'p50 ms', 'p99 ms', 'floor÷platform'], rows)}`;
}
