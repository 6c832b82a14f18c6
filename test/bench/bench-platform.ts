/** A whole platform in this process for a benchmark: embedded PostgreSQL and aedes, controller, manager. */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloudController } from '../../apps/cloud-controller/src/cloud-controller';
import { startStratosManager } from '../../apps/stratos-manager/src/stratos-manager';
import { startEmbeddedBroker, startEmbeddedPostgres } from '../../libs/runtime/src';
import Docker from 'dockerode';
import { dockerEngineAt, ensureMemberNetwork, platformIdOf } from '../../libs/iaas/src';
import type { RegionEndpoint } from '../../libs/contracts/src';
import { startAedesProcess } from './fleet/aedes-process';
import type { ScalingSettings } from '../../apps/cloud-controller/src/autoscaler/scaling-settings';

export interface BenchPlatform {
  url: string;
  /** The embedded PostgreSQL's data folder (its postmaster.pid names its process). */
  postgresDataDir: string;
  home: string;
  databaseUrl: string;
  /** Platform credentials; members get their own. */
  mqttUrl: string;
  memberSecret: string;
  agentEntry: string;
  /** The broker's process where it runs apart (brokerProcess), else undefined: the broker is in this one. */
  brokerPid?: number;
  /** The admin's bearer token. */
  token: string;
  call(method: string, path: string, body?: unknown, expected?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function startBenchPlatform(
  options: { mqttUrl?: string; docker?: 'on' | 'off'; reconcileIntervalMs?: number; regions?: RegionEndpoint[]; scaling?: Partial<ScalingSettings>; healthIntervalS?: number; memberDrainMs?: number; swarm?: { endpoint: string; platformHost: string }; brokerProcess?: { tls: boolean } } = {},
): Promise<BenchPlatform> {
  const home = await mkdtemp(join(tmpdir(), 'stratos-bench-'));
  await chmod(home, 0o755);
  const postgres = await startEmbeddedPostgres({ home: join(home, 'pg') });
  // As npm start runs it (a process of its own, over TLS), or in this process.
  const brokerProcess = options.brokerProcess && !options.mqttUrl ? await startAedesProcess({ tlsHome: options.brokerProcess.tls ? join(home, 'broker') : undefined }) : null;
  const memberSecret = brokerProcess?.memberSecret ?? randomBytes(12).toString('hex');
  const credentials = { username: 'stratos', password: randomBytes(12).toString('hex') };
  const broker = options.mqttUrl || brokerProcess ? null : await startEmbeddedBroker({ port: 0, credentials, memberSecret });
  let mqttUrl = options.mqttUrl ?? brokerProcess?.url;
  const mqttCaCert = brokerProcess?.caCert;
  if (broker) {
    const url = new URL(broker.url);
    url.username = credentials.username;
    url.password = credentials.password;
    mqttUrl = url.toString();
  }
  const agentEntry = join(process.cwd(), 'dist/apps/cartridge-agent/src/main.js');
  const network = options.docker === 'on' ? await ensureMemberNetwork(new Docker(), await platformIdOf(home)) : null;
  if (network && broker) await broker.listenAlso(network.gateway); // docker members reach it at the network's gateway
  // And a docker region's members at their engine's network's gateway.
  for (const region of (options.regions ?? []).filter((r) => r.driver === 'docker')) {
    const { gateway } = await ensureMemberNetwork(dockerEngineAt(region.endpoint), await platformIdOf(home));
    if (broker) await broker.listenAlso(gateway);
  }
  if (options.swarm && broker) await broker.listenAlso(options.swarm.platformHost); // swarm members reach it where their nodes reach this host
  const controller = await startCloudController(
    { databaseUrl: postgres.url, mqttUrl: mqttUrl!, mqttCaCert, home, agentEntry, memberSecret: broker || brokerProcess ? memberSecret : undefined, reconcileIntervalMs: options.reconcileIntervalMs ?? 500, memberStartTimeoutMs: 120_000, docker: options.docker ?? 'off', swarm: options.swarm?.endpoint ?? 'off', swarmPlatformHost: options.swarm?.platformHost, regions: options.regions, scaling: { intervalS: 0, ...options.scaling }, healthIntervalS: options.healthIntervalS, memberDrainMs: options.memberDrainMs },
    { logger: false },
  );
  const manager = await startStratosManager(
    { databaseUrl: postgres.url, mqttUrl: mqttUrl!, mqttCaCert, home, host: '127.0.0.1', port: 0, rpcTimeoutMs: 30_000, bodyLimitBytes: 1 << 20, tokenTtlHours: 1 },
    { logger: false },
  );
  const password = /password=(.*)/.exec(await readFile(join(home, 'admin-credentials'), 'utf8'))![1];
  const login = await fetch(`${manager.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  const { token } = (await login.json()) as { token: string };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return {
    url: manager.url,
    postgresDataDir: postgres.dataDir,
    home,
    databaseUrl: postgres.url,
    mqttUrl: mqttUrl!,
    memberSecret,
    agentEntry,
    brokerPid: brokerProcess?.pid,
    token,
    async call(method, path, body, expected = 200) {
      const response = await fetch(`${manager.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      if (response.status !== expected) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      await manager.close();
      await controller.close();
      await broker?.stop();
      await brokerProcess?.stop();
      await postgres.stop();
      if (network) await new Docker().getNetwork(network.name).remove().catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
