/**
 * What one controller absorbs: N agents, each with its own broker identity (made by the controller
 * as it launches them: a dynamic-security client on Mosquitto, a password from the member secret
 * on the embedded aedes), connected through the broker and sending Stratos's health statistics
 * once a second. The agents are simulated by this process (the
 * load generator; fleet/simulated-fleet.driver.ts: each agent an mqtt.js client of its own, its
 * health reports written on its connection by HealthTicker); the controller, the manager, Mosquitto and
 * PostgreSQL are the real platform, each a process of its own, so each one's CPU is its own.
 *
 * Printed per N: how long the identities and launches took and until every member was Active
 * (apart from the load); then over a window under load: health messages sent and handled per
 * second, the backlog's growth, the controller's memory, CPU per process, and the REST p99 of
 * the application's runtime view meanwhile (read by a client process of its own). The baseline,
 * in a window of its own after: a bare subscriber (mqtt.js, counting only) on the same traffic:
 * what the broker delivers to a client that does no work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { AgentEventType, AgentTopics, LaunchKey, type AgentEvent, type ApplicationRuntime, type HealthReport } from '@stratos/contracts';
import { freePort, startEmbeddedPostgres } from '@stratos/runtime';
import { startBroker } from '../support/brokers';
import { postgresCpuSeconds, processCpuSeconds, processMemory } from './cpu';
import { healthPacket, type HealthPacket } from './fleet/health-packet';
import { FLEET_LAUNCH, FLEET_TERMINATE, type FleetLaunch } from './fleet/simulated-fleet.driver';
import { startAedesProcess } from './fleet/aedes-process';
import { percentile, table, trend } from './stats';

const CONNECTS_IN_FLIGHT = 100;
/** The runtime view is read as a client of a large fleet reads it: its first page, this many members per cluster (with every cluster's counts). */
const RUNTIME_PAGE = 100;
/** The bare subscriber's window (after the platform's). */
const BASELINE_WINDOW_S = 15;
/**
 * The runtime view's reader: GET every 100 ms for WINDOW_MS, then its readings ({ at, ms }) and its
 * own event loop's delay to its parent: a process that waits almost all the time, as the manager
 * does, so its delay is the machine's (a core to run on) — the baseline of the manager's.
 */
const RUNTIME_READER = `
const readings = [];
const loop = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const started = performance.now();
(async () => {
  while (performance.now() - started < Number(process.env.WINDOW_MS)) {
    const t = performance.now();
    const response = await fetch(process.env.URL, { headers: { authorization: 'Bearer ' + process.env.TOKEN } });
    if (!response.ok) throw new Error('GET ' + process.env.URL + ': ' + response.status);
    await response.arrayBuffer();
    readings.push({ at: Date.now(), ms: performance.now() - t });
    await new Promise((r) => setTimeout(r, 100));
  }
  process.send({ readings, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 }, () => process.exit(0));
})().catch((error) => { console.error(error.message); process.exit(1); });`;

/** The manager's own view of the window: its runtime-view requests by time bucket, its event loop's delay (p99, max). */
interface ServerSide {
  within: [number, number][];
  loopP99Ms: number;
  loopMaxMs: number;
  /** The reader's own event loop (mostly idle): what any process waits for a core here. */
  readerLoopP99Ms: number;
  readerLoopMaxMs: number;
}


/** `le` bucket → cumulative count of the runtime route's 200s, and the event loop's figures, from the manager's /metrics. */
async function managerFigures(metricsUrl: string, token: string): Promise<{ buckets: Map<number, number>; loopP99Ms: number; loopMaxMs: number }> {
  const text = await (await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })).text();
  const buckets = new Map<number, number>();
  for (const [, labels, count] of text.matchAll(/^stratos_http_request_seconds_bucket\{([^}]*)\} (\d+)$/gm)) {
    if (!/route="[^"]*applications\/:id\/runtime"/.test(labels) || !/status="200"/.test(labels)) continue;
    const le = /le="([^"]+)"/.exec(labels)![1];
    const bound = le === '+Inf' ? Infinity : Number(le) * 1000;
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(count));
  }
  const gauge = (name: string) => Number(new RegExp(`^stratos_manager_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { buckets, loopP99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), loopMaxMs: gauge('nodejs_eventloop_lag_max_seconds') };
}

interface Row {
  broker: BrokerKind;
  agents: number;
  launchedS: number;
  activeS: number;
  sentPerS: number;
  handledPerS: number;
  baselinePerS: number;
  backlogGrowth: number;
  /** Sent and not yet handled, read every second in a window of its own: its trend (reports per second), least and most. */
  backlog: { trendPerS: number; min: number; max: number; leastByHalf: [number, number]; samples: number };
  /** The controller's reconcile passes in the window: how many, and their time together. */
  passes: { count: number; seconds: number };
  controllerRss: number;
  controllerPeak: number;
  cpu: Record<'controller' | 'manager' | 'broker' | 'postgres' | 'generator' | 'subscriber', number>;
  restP50: number;
  restP99: number;
  /** The same reads as the manager timed them (its histogram's buckets), and its event loop's delay. */
  server: ServerSide;
}

function waitForMessage(child: ChildProcess, type: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', (m: { type?: string }) => m?.type === type && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`exited (${code}) before ${type}`))));
  });
}

/**
 * The simulated agents' health reports, sent by one timer per interval (a tick every TICK_MS, each
 * agent in the slot of its phase) as packets encoded once with the time written in: the load
 * generator shares the 2 cores with the platform it measures, and an mqtt.js publish from a timer
 * of its own per agent cost ≈62 µs of its CPU a report, this ≈28 µs (measured at 10,000 a second).
 * What the broker and the controller get is the same: each agent's report on its own connection.
 */
class HealthTicker {
  private static readonly tickers = new Map<number, HealthTicker>();
  private static readonly TICK_MS = 10;
  private readonly slots: Map<SimulatedAgent, HealthPacket>[];
  private timer: NodeJS.Timeout | null = null;
  private tick = 0;

  static every(intervalMs: number): HealthTicker {
    let ticker = HealthTicker.tickers.get(intervalMs);
    if (!ticker) HealthTicker.tickers.set(intervalMs, (ticker = new HealthTicker(intervalMs)));
    return ticker;
  }

  private constructor(private readonly intervalMs: number) {
    this.slots = Array.from({ length: Math.max(1, Math.round(intervalMs / HealthTicker.TICK_MS)) }, () => new Map());
  }

  /** From a random slot: agents do not start in step. Its first report comes within an interval. */
  add(agent: SimulatedAgent, template: HealthPacket): void {
    this.slots[Math.floor(Math.random() * this.slots.length)].set(agent, template);
    this.timer ??= setInterval(() => this.send(), HealthTicker.TICK_MS);
  }

  remove(agent: SimulatedAgent): void {
    for (const slot of this.slots) slot.delete(agent);
    if (this.slots.every((slot) => slot.size === 0) && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      HealthTicker.tickers.delete(this.intervalMs);
    }
  }

  /** Every slot whose time has come since the last tick (a late tick catches up: each agent keeps its interval). */
  private send(): void {
    const now = Date.now();
    const due = Math.floor(now / HealthTicker.TICK_MS);
    const from = this.tick === 0 ? due : Math.max(this.tick + 1, due - this.slots.length + 1);
    const timestamp = new Date(now).toISOString();
    for (let tick = from; tick <= due; tick++) {
      for (const [agent, { packet, timestampAt }] of this.slots[tick % this.slots.length]) {
        const out = Buffer.allocUnsafe(packet.length);
        packet.copy(out);
        out.write(timestamp, timestampAt, 'latin1');
        agent.send(out);
      }
    }
    this.tick = due;
  }
}

/** A simulated agent: the member's own identity, its Last Will, its events, then health at the interval it is told (the bench: once a second). */
class SimulatedAgent {
  private client: MqttClient | null = null;
  private ticker: HealthTicker | null = null;
  sent = 0;

  constructor(private readonly launch: FleetLaunch) {}

  private event(type: AgentEvent['type']): string {
    return JSON.stringify({ eventId: randomUUID(), type, memberId: this.launch.memberId, clusterId: this.launch.clusterId, timestamp: new Date().toISOString() } satisfies AgentEvent);
  }

  async start(): Promise<void> {
    const env = this.launch.env;
    const topic = AgentTopics.events(this.launch.memberId);
    this.client = await mqtt.connectAsync(env[LaunchKey.mbUrls], {
      username: env[LaunchKey.mbUsername],
      password: env[LaunchKey.mbPassword],
      clientId: `agent-${this.launch.memberId}`,
      keepalive: Number(env[LaunchKey.mbKeepaliveS] ?? 30),
      reconnectPeriod: 1000,
      will: { topic, payload: Buffer.from(this.event(AgentEventType.AgentDisconnected)), qos: 1, retain: false },
    });
    await this.client.publishAsync(topic, this.event(AgentEventType.InstanceStarted), { qos: 1 });
    await this.client.publishAsync(topic, this.event(AgentEventType.InstanceActivated), { qos: 1 });
    this.report(Number(env[LaunchKey.healthIntervalMs] ?? 1000));
  }

  /** Health at the interval its launch payload names, as a real agent, from a random phase (agents do not start in step). */
  private report(intervalMs: number): void {
    const report: HealthReport = { memberId: this.launch.memberId, clusterId: this.launch.clusterId, state: 'active', loadAverage: 3.5, memoryConsumption: 41.2, timestamp: new Date().toISOString() };
    this.ticker = HealthTicker.every(intervalMs);
    this.ticker.add(this, healthPacket(AgentTopics.health(this.launch.memberId), report));
  }

  /** Writes the report's packet on the agent's own connection (a QoS 0 PUBLISH, as mqtt.js would send it), while connected. */
  send(packet: Buffer): void {
    if (!this.client?.connected) return;
    this.client.stream.write(packet);
    this.sent += 1;
  }

  async stop(): Promise<void> {
    this.ticker?.remove(this);
    await this.client?.endAsync(true);
  }
}

export type BrokerKind = 'mosquitto' | 'mosquitto-files' | 'aedes';

/**
 * The broker under test, a process of its own: Mosquitto with members' users in dynamic security
 * (`mosquitto`) or in the password and ACL files the controller writes (`mosquitto-files`), or the
 * embedded aedes with member passwords from a member secret.
 */
async function startBenchBroker(kind: BrokerKind): Promise<{ url: string; pid: number; env: Record<string, string>; stop(): Promise<void> }> {
  if (kind === 'mosquitto' || kind === 'mosquitto-files') {
    const broker = await startBroker(kind);
    const files: Record<string, string> = broker.memberFiles ? { STRATOS_MQTT_MEMBER_FILES: broker.memberFiles.dir, STRATOS_MQTT_BROKER_PID_FILE: broker.memberFiles.pidFile } : {};
    return { url: broker.url, pid: broker.pid!(), env: { STRATOS_MQTT_DYNSEC: 'on', ...files }, stop: () => broker.stop() };
  }
  const broker = await startAedesProcess();
  return { url: broker.url, pid: broker.pid, env: { STRATOS_MEMBER_SECRET: broker.memberSecret, STRATOS_EMBEDDED_BROKER_AGENTS: '1000000' }, stop: () => broker.stop() };
}

/** What runOne hands a caller that measures something else on the same fleet (the console bench), once every member is Active. */
export interface FleetPlatform {
  /** The manager, without /api. */
  url: string;
  adminPassword: string;
  agents: number;
}

export async function runOne(kind: BrokerKind, agents: number, windowS: number, whenActive?: (platform: FleetPlatform) => Promise<void>): Promise<Row> {
  const home = await mkdtemp(join(tmpdir(), 'stratos-bench-agents-'));
  await chmod(home, 0o755);
  const postgres = await startEmbeddedPostgres({ home: join(home, 'pg') });
  const broker = await startBenchBroker(kind);
  const children: ChildProcess[] = [];
  const fleet = new Map<string, SimulatedAgent>();
  /** Agents whose member was terminated (replaced): what they sent was sent all the same. */
  const removed: SimulatedAgent[] = [];
  try {
    const env = { ...process.env, NODE_OPTIONS: '', DATABASE_URL: postgres.url, MQTT_URL: broker.url, STRATOS_HOME: home, ...broker.env, STRATOS_MEMBER_START_TIMEOUT_S: '1800', STRATOS_AGENT_KEEPALIVE_S: '30', STRATOS_HEALTH_INTERVAL_S: '1', LOG_LEVEL: 'warn' };
    // Launches come from the controller over IPC; each becomes an agent, CONNECTS_IN_FLIGHT connecting at once.
    const pending: FleetLaunch[] = [];
    let connecting = 0;
    let lastLaunchAt = 0;
    const pump = () => {
      while (connecting < CONNECTS_IN_FLIGHT && pending.length > 0) {
        const launch = pending.shift()!;
        const agent = new SimulatedAgent(launch);
        fleet.set(launch.memberId, agent);
        connecting += 1;
        agent
          .start()
          .catch((error: Error) => process.stderr.write(`agent ${launch.memberId}: ${error.message}\n`))
          .finally(() => ((connecting -= 1), pump()));
      }
    };
    // BENCH_PROFILE=DIR: the controller's CPU profile of its whole run (written as it exits), for Chrome's DevTools.
    const profile = process.env.BENCH_PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    const controller = spawn(process.execPath, [...profile, join(__dirname, 'fleet', 'fleet-controller.js')], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(controller);
    controller.on('message', (m: FleetLaunch | { type: string; memberId: string }) => {
      if (m.type === FLEET_LAUNCH) {
        pending.push(m as FleetLaunch);
        lastLaunchAt = performance.now();
        pump();
      } else if (m.type === FLEET_TERMINATE) {
        const agent = fleet.get(m.memberId);
        if (agent) {
          void agent.stop();
          removed.push(agent);
        }
        fleet.delete(m.memberId);
      }
    });
    await waitForMessage(controller, 'fleet:ready', 60_000);
    const port = await freePort();
    const manager = spawn(process.execPath, [join(process.cwd(), 'dist/apps/stratos-manager/src/main.js')], { env: { ...env, STRATOS_API_PORT: String(port), STRATOS_RPC_TIMEOUT_MS: '60000' }, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(manager);
    const url = `http://127.0.0.1:${port}/api`;
    for (let tries = 0; ; tries++) {
      const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (tries > 300) throw new Error('the manager did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
    const password = /password=(.*)/.exec(await readFile(join(home, 'admin-credentials'), 'utf8'))![1];
    const { token } = (await (await fetch(`${url}/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json().catch(() => undefined);
    };
    await call('POST', '/cartridges', { type: 'agent', provider: 'bench', category: 'framework', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }] });
    await call('POST', '/networkPartitions', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] });
    await call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } });
    await call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: agents }] }] });
    await call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] });
    await call('POST', '/applications', { applicationId: 'fleet', components: { cartridges: [{ type: 'agent', cartridgeMin: agents, cartridgeMax: agents, subscribableInfo: { alias: 'fleet', autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } });

    const started = performance.now();
    await call('POST', '/applications/fleet/deploy/ap');
    const activeCount = async () => ((await call('GET', '/applications/fleet/runtime?members=0')) as ApplicationRuntime).clusters[0].membersByStatus?.Active ?? 0;
    for (let waited = 0; (await activeCount()) < agents; waited++) {
      if (waited > 1800) throw new Error(`${agents} members did not become Active within 30 min`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const activeS = (performance.now() - started) / 1000;
    const launchedS = (lastLaunchAt - started) / 1000;
    await whenActive?.({ url: `http://127.0.0.1:${port}`, adminPassword: password, agents });

    await new Promise((r) => setTimeout(r, 3000)); // every agent is in its rhythm (it reports once a second, since it started)
    const controllerFigures = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers })).text();
      const figure = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
      return {
        // A report superseded in the controller's queue by its member's next one was absorbed too (WaitingHealth).
        handled: figure(/^stratos_agent_events_total\{kind="health"[^}]*\} (\d+)/m) + figure(/^stratos_agent_health_superseded_total(?:\{[^}]*\})? (\d+)/m),
        passes: figure(/^stratos_reconcile_pass_seconds_count(?:\{[^}]*\})? (\d+)/m),
        passSeconds: figure(/^stratos_reconcile_pass_seconds_sum(?:\{[^}]*\})? ([\d.e+-]+)/m),
      };
    };
    const sentNow = () => [...fleet.values(), ...removed].reduce((sum, a) => sum + a.sent, 0);
    const cpu = () => ({
      controller: processCpuSeconds(controller.pid!),
      manager: processCpuSeconds(manager.pid!),
      broker: processCpuSeconds(broker.pid),
      postgres: postgresCpuSeconds(postgres.dataDir),
      generator: (() => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      })(),
    });
    // The runtime view is read by a client of its own (as the CLI or the console is): in this process its
    // answers would wait behind the 10,000 simulated agents' timers and sockets.
    const reader = spawn(process.execPath, ['-e', RUNTIME_READER], { cwd: process.cwd(), env: { ...process.env, URL: `${url}/applications/fleet/runtime?members=${RUNTIME_PAGE}`, TOKEN: token, WINDOW_MS: String(windowS * 1000) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(reader);
    const readings = new Promise<{ readings: { at: number; ms: number }[]; loopP99Ms: number; loopMaxMs: number }>((resolve, reject) => {
      reader.once('message', (m) => resolve(m as { readings: { at: number; ms: number }[]; loopP99Ms: number; loopMaxMs: number }));
      reader.once('exit', (code) => reject(new Error(`the runtime view's reader exited (${code}) before it reported`)));
    });
    const metricsUrl = url.replace(/\/api$/, '/metrics');
    const manager0 = await managerFigures(metricsUrl, token); // also starts the event loop's figures afresh
    const [sent0, figures0, cpu0] = [sentNow(), await controllerFigures(), cpu()];
    const handled0 = figures0.handled;
    const windowStart = performance.now();
    const read = await readings;
    const latencies = read.readings.map((r) => r.ms);
    const manager1 = await managerFigures(metricsUrl, token);
    const served = (manager1.buckets.get(Infinity) ?? 0) - (manager0.buckets.get(Infinity) ?? 0);
    const server: ServerSide = {
      within: [...manager1.buckets].filter(([bound]) => bound !== Infinity).map(([bound, count]) => [bound, (count - (manager0.buckets.get(bound) ?? 0)) / Math.max(1, served)]),
      loopP99Ms: manager1.loopP99Ms,
      loopMaxMs: manager1.loopMaxMs,
      readerLoopP99Ms: read.loopP99Ms,
      readerLoopMaxMs: read.loopMaxMs,
    };
    const seconds = (performance.now() - windowStart) / 1000;
    const [sent1, figures1, cpu1] = [sentNow(), await controllerFigures(), cpu()];
    const handled1 = figures1.handled;
    const memory = processMemory(controller.pid!);
    latencies.sort((a, b) => a - b);
    const used = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, (v - cpu0[k as keyof typeof cpu0]) / seconds])) as Omit<Row['cpu'], 'subscriber'>;

    // The backlog — sent and not yet handled — read every second, in a window of its own after (each
    // read of the figures resets the manager's event-loop figures the window above reports). In flight
    // (broker, sockets, the controller's queue) it rises and falls; growth is its trend, not where
    // one reading fell. Handled is read first: a reading is never below what is in flight.
    const backlog: { at: number; value: number }[] = [];
    const backlogStart = performance.now();
    while (performance.now() - backlogStart < windowS * 1000) {
      const { handled: handledNow } = await controllerFigures();
      backlog.push({ at: (performance.now() - backlogStart) / 1000, value: sentNow() - handledNow });
      await new Promise((r) => setTimeout(r, 1000));
    }

    // The baseline, in a window of its own after (beside the platform it would take CPU from it, and
    // the broker's fan-out doubled): a subscriber that only counts (mqtt.js, as the controller's own
    // client) on the same traffic, reporting over IPC: what the broker delivers to a client doing no work.
    const counter = `const mqtt = require('mqtt'); const c = mqtt.connect(process.env.URL); let n = 0; c.on('message', () => n++); c.on('connect', () => c.subscribe(process.env.TOPIC, { qos: 0 })); setInterval(() => process.send(n), 250);`;
    const sub = spawn(process.execPath, ['-e', counter], { cwd: process.cwd(), env: { ...process.env, URL: broker.url, TOPIC: AgentTopics.allHealth }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(sub);
    let baselineLines = 0;
    sub.on('message', (n: number) => (baselineLines = n));
    await new Promise((r) => setTimeout(r, 3000));
    const [baseline0, subCpu0, baselineStart] = [baselineLines, processCpuSeconds(sub.pid!), performance.now()];
    await new Promise((r) => setTimeout(r, Math.min(windowS, BASELINE_WINDOW_S) * 1000));
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    const [baseline1, subCpu1] = [baselineLines, processCpuSeconds(sub.pid!)];
    return {
      broker: kind,
      agents,
      launchedS,
      activeS,
      sentPerS: (sent1 - sent0) / seconds,
      handledPerS: (handled1 - handled0) / seconds,
      baselinePerS: (baseline1 - baseline0) / baselineSeconds,
      backlogGrowth: sent1 - handled1 - (sent0 - handled0),
      backlog: {
        trendPerS: trend(backlog),
        min: Math.min(...backlog.map((b) => b.value)),
        max: Math.max(...backlog.map((b) => b.value)),
        // A backlog that grows does not come back down: the least of the window's second half is then above the first's.
        leastByHalf: [backlog.slice(0, Math.floor(backlog.length / 2)), backlog.slice(Math.floor(backlog.length / 2))].map((half) => Math.min(...half.map((b) => b.value))) as [number, number],
        samples: backlog.length,
      },
      passes: { count: figures1.passes - figures0.passes, seconds: figures1.passSeconds - figures0.passSeconds },
      controllerRss: memory.rss,
      controllerPeak: memory.peak,
      cpu: { ...used, subscriber: (subCpu1 - subCpu0) / baselineSeconds },
      restP50: percentile(latencies, 50),
      restP99: percentile(latencies, 99),
      server,
    };
  } finally {
    await Promise.all([...fleet.values()].map((a) => a.stop().catch(() => undefined)));
    for (const child of children.reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, process.env.BENCH_PROFILE ? 120_000 : 10_000))]);
      child.kill('SIGKILL');
    }
    await broker.stop();
    await postgres.stop();
    await rm(home, { recursive: true, force: true });
  }
}

export async function benchAgents(
  counts = (process.env.BENCH_AGENTS ?? '1000,10000').split(',').map(Number),
  windowS = Number(process.env.BENCH_AGENTS_WINDOW_S ?? 30),
  brokers = (process.env.BENCH_AGENTS_BROKERS ?? 'mosquitto-files,mosquitto,aedes').split(',') as BrokerKind[],
): Promise<string> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const kind of brokers) {
    for (const agents of counts) {
      const why = beyondBroker(kind, agents);
      if (why) skipped.push(`${kind} × ${agents}: skipped, ${why}`);
      else rows.push(await runOne(kind, agents, windowS));
    }
  }
  const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
  const pct = (cores: number) => `${(cores * 100).toFixed(0)} %`;
  const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  return `Agents, each with its own broker identity (mosquitto: dynamic security; mosquitto-files: password and ACL files; aedes: member passwords), health once a second each, ${windowS} s window under load\n${table(
    ['broker', 'agents', 'launched (identities)', 'all Active', 'health sent/s', 'controller handled/s', 'bare subscriber got/s (baseline)', 'backlog: end − start; trend (in flight: least–most; least in each half)', 'controller RSS (peak)', 'CPU controller / manager / broker / PostgreSQL / generator / bare subscriber', `runtime view p50 / p99 (?members=${RUNTIME_PAGE})`],
    rows.map((r) => [
      r.broker,
      String(r.agents),
      `${r.launchedS.toFixed(1)} s`,
      `${r.activeS.toFixed(1)} s`,
      r.sentPerS.toFixed(0),
      r.handledPerS.toFixed(0),
      r.baselinePerS.toFixed(0),
      `${r.backlogGrowth}; ${signed(Math.round(r.backlog.trendPerS))}/s (${r.backlog.min}–${r.backlog.max}; least by half ${r.backlog.leastByHalf.join(', ')})`,
      `${mib(r.controllerRss)} (${mib(r.controllerPeak)})`,
      [r.cpu.controller, r.cpu.manager, r.cpu.broker, r.cpu.postgres, r.cpu.generator, r.cpu.subscriber].map(pct).join(' / '),
      `${r.restP50.toFixed(0)} / ${r.restP99.toFixed(0)} ms`,
    ]),
  )}${rows.map((r) => `\n${r.broker} × ${r.agents}, the runtime view as the manager timed it: ${r.server.within.filter(([bound]) => bound >= 5 && bound <= 100).map(([bound, share]) => `${(share * 100).toFixed(1)} % within ${bound} ms`).join(', ')}; the manager's event loop delayed p99 ${r.server.loopP99Ms.toFixed(0)} ms, max ${r.server.loopMaxMs.toFixed(0)} ms, the reader's own (a waiting process: the machine's) ${r.server.readerLoopP99Ms.toFixed(0)} and ${r.server.readerLoopMaxMs.toFixed(0)} ms; the controller's reconcile passes: ${r.passes.count}, ${r.passes.seconds.toFixed(1)} s together`).join('')}${skipped.map((line) => `\n${line}`).join('')}`;
}

/** Why a fleet this size is not run on this broker (what it would measure is known), or null. */
function beyondBroker(kind: BrokerKind, agents: number): string | null {
  if (kind === 'mosquitto' && agents > 2000) return 'dynamic security (Mosquitto 2.0) makes identities in quadratic time (10,000 ≈ 29 min): the mosquitto-files row is this fleet on Mosquitto';
  if (kind === 'aedes' && agents > 3000) return "past the embedded broker's envelope (3,000 agents; 10,000 crash aedes while they come up)";
  return null;
}
