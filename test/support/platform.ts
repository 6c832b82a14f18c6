/**
 * A real platform for a test: its own database (cloned from the migrated template), a real
 * broker, a cloud controller and a stratos-manager in this process, and an admin token.
 */
import { spawn } from 'node:child_process';
import type { ScalingSettings } from '../../apps/cloud-controller/src/autoscaler/scaling-settings';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import mqtt, { type MqttClient } from 'mqtt';
import { dockerEngineAt, ensureMemberNetwork, Label, platformIdOf } from '@stratos/iaas';
import { EnvVar, formatRegion, Topics, type ApplicationRuntime, type RegionEndpoint, type TopologyEvent } from '@stratos/contracts';
import { startCloudController, type RunningController } from '../../apps/cloud-controller/src/cloud-controller';
import type { ControllerConfig } from '../../apps/cloud-controller/src/config';
import { startStratosManager, type RunningManager } from '../../apps/stratos-manager/src/stratos-manager';
import { startBroker, type BrokerKind, type TestBroker } from './brokers';
import { createTestDatabase } from './databases';
import type { LogCollector } from './logs';
import { brokerTrust, freePort, selfSignedTlsPair, type LogOptions } from '@stratos/runtime';
import { Agent } from 'undici';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestPlatform {
  broker: TestBroker;
  /** With startTestPlatform({ tls: true }): the API's certificate (PEM) and its fingerprint. */
  tls: { cert: string; fingerprint: string } | null;
  databaseUrl: string;
  home: string;
  url: string;
  adminToken: string;
  /** The first start's admin password (from home/admin-credentials), for tests that log in as a user does. */
  adminPassword: string;
  manager: RunningManager;
  controller: RunningController | null;
  api<T = any>(method: string, path: string, options?: { body?: unknown; raw?: string | Buffer; token?: string | null; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** POST that must answer `status` (default 201); returns the body. */
  post(path: string, body?: unknown, status?: number): Promise<any>;
  /** The runtime of a deployed application. */
  runtime(applicationId: string): Promise<ApplicationRuntime>;
  startController(): Promise<void>;
  stopController(): Promise<void>;
  /**
   * A fence for "nothing (more) happened": resolves once the controller has finished `count`
   * reconcile passes after this call (its own counter, from GET /metrics).
   */
  reconcilePasses(count: number): Promise<void>;
  /** Returns once the autoscaler evaluated every cluster `count` times more (a fence for "it decided nothing"). */
  autoscalerEvaluations(count: number): Promise<void>;
  /** kill -9 of the controller process (startTestPlatform({ controllerProcess: true })); returns once the manager saw it go. */
  killController(): Promise<void>;
  /**
   * Another controller process on the same database and broker (controllerProcess: true): it stands by while one leads.
   * With a `home` of its own (another host's STRATOS_HOME) it is not one that failover() hands over to, unless
   * `takesOver` says so; one of the same home is, unless `takesOver: false` (one expected to be refused). A standby
   * failover() does not hand over to: stop it yourself. `env`: more settings.
   */
  startStandbyController(options?: { home?: string; env?: Record<string, string>; takesOver?: boolean }): Promise<ControllerProcess>;
  /**
   * kill -9 of the leading controller process; the oldest standby becomes the platform's controller.
   * Returns ms from the kill until it served. `meanwhile` is called right after the kill, while no controller leads.
   */
  failover(meanwhile?: () => unknown): Promise<number>;
  /** Collects every topology event the broker carries from now on. */
  watchEvents(): Promise<{ events: (TopologyEvent & { payload: any })[]; close(): Promise<void> }>;
  /**
   * What happened to a deployed application, for a failure message: its topology events
   * (type, member, status, reason) and the last lines of each of its members' logs.
   */
  story(applicationId: string): Promise<string>;
  stop(): Promise<void>;
}

export type TestPlatformOptions = Parameters<typeof startTestPlatform>[0];

export async function startTestPlatform(options: {
  broker: BrokerKind;
  rpcTimeoutMs?: number;
  memberStartTimeoutMs?: number;
  /** The controller's periodic resync (default 200 ms). A long one proves what else makes it look. */
  reconcileIntervalMs?: number;
  /** Where each process's log lines go, at debug (default: nowhere; STRATOS_TEST_LOGS=1: standard output). */
  logs?: { manager?: LogCollector; controller?: LogCollector };
  docker?: 'on' | 'off';
  localSandbox?: 'auto' | 'off';
  gitUrlRewrites?: string;
  loginThrottle?: { perUser: number; perAddress: number; windowS: number };
  /** false: the controller is given no way to make member identities (no member secret, no dynsec). */
  memberIdentities?: false;
  /** Seconds between agents' keepalives (a silent agent is Lost after 3× this); default 10. */
  agentKeepaliveS?: number;
  /** Seconds between agents' health reports; default half the keepalive given, else 5 (production: 15). */
  healthIntervalS?: number;
  /** Seconds a scaled-down member is out of the load balancers before it stops (STRATOS_MEMBER_DRAIN_S); default 0 here. */
  memberDrainS?: number;
  /** The cloud controller as a process of its own (node dist/…/main.js), so a test can kill -9 it. */
  controllerProcess?: boolean;
  /** The Docker engine's socket (default: the engine every suite uses); with controllerProcess, its DOCKER_HOST. */
  dockerSocket?: string;
  /** Regions beyond the default one (STRATOS_REGIONS): each docker region's member network is made, and the broker listens at its gateway. */
  regions?: RegionEndpoint[];
  /** A swarm's manager (STRATOS_SWARM) and where its nodes reach the platform (`otherPlatformHosts`: nodes labelled stratos.platform-host): the broker listens there too. */
  swarm?: { endpoint: string; platformHost: string; nodeSocket?: string; otherPlatformHosts?: string[] };
  /** A database of the test's own (default: a fresh one on the suite's shared server). */
  databaseUrl?: string;
  /** Where STRATOS_HOME goes (default: a fresh folder under the system's temporary folder). */
  homeUnder?: string;
  /** The API over HTTPS with the home's self-signed certificate (as npm start's default). */
  tls?: boolean;
  /** Members the embedded broker carries before a deploy warns (STRATOS_EMBEDDED_BROKER_AGENTS). */
  embeddedBrokerAgents?: number;
  /** Where members are told the broker is (STRATOS_AGENT_MQTT_URL; default the broker's own address). */
  agentMqttUrl?: string;
  /** The broker speaks MQTT over TLS only (mqtts://), trusted by its certificate (MQTT_CA_CERT). */
  brokerTls?: boolean;
  /** Members are told where the API is (METADATA_SERVICE_URL, and with tls its certificate), as npm start does. */
  advertise?: boolean;
  /** The autoscaler's timing; default off (intervalS 0), so that no other suite's clusters change size under it. */
  scaling?: Partial<ScalingSettings>;
}): Promise<TestPlatform> {
  const broker = await startBroker(options.broker, { tls: options.brokerTls });
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const home = await mkdtemp(join(options.homeUnder ?? tmpdir(), options.homeUnder ? '.stratos-test-' : 'stratos-home-'));
  /** Topology watches still open (see stop). */
  const watches = new Set<MqttClient>();
  const tls = options.tls ? await selfSignedTlsPair(home) : null;
  // Advertised to members before the manager listens: its port is chosen now.
  const apiPort = options.advertise ? await freePort() : 0;
  const controllerConfig: ControllerConfig = {
    databaseUrl,
    mqttUrl: broker.url,
    mqttCaCert: broker.caCert,
    home,
    agentEntry: join(process.cwd(), 'dist', 'apps', 'cartridge-agent', 'src', 'main.js'),
    memberSecret: options.memberIdentities === false ? undefined : broker.memberSecret,
    mqttDynsec: options.memberIdentities === false ? false : broker.dynsec,
    mqttMemberFiles: options.memberIdentities === false ? undefined : broker.memberFiles,
    reconcileIntervalMs: options.reconcileIntervalMs ?? 200,
    memberStartTimeoutMs: options.memberStartTimeoutMs ?? 30_000,
    memberDrainMs: (options.memberDrainS ?? 0) * 1000,
    // Deterministic by default: only the Docker suites use the engine.
    docker: options.docker ?? 'off',
    localSandbox: options.localSandbox ?? 'auto',
    gitUrlRewrites: options.gitUrlRewrites,
    agentKeepaliveS: options.agentKeepaliveS,
    healthIntervalS: options.healthIntervalS ?? (options.agentKeepaliveS ? Math.max(1, Math.floor(options.agentKeepaliveS / 2)) : 5),
    embeddedBrokerAgents: options.embeddedBrokerAgents,
    agentMqttUrl: options.agentMqttUrl,
    regions: options.regions,
    ...(options.swarm ? { swarm: options.swarm.endpoint, swarmPlatformHost: options.swarm.platformHost, swarmNodeSocket: options.swarm.nodeSocket } : { swarm: 'off' }),
    scaling: { intervalS: 0, ...options.scaling },
    ...(options.advertise ? { advertiseUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${apiPort}`, apiCaCert: tls?.cert } : {}),
  };
  let memberNetwork: string | null = null;
  let memberGateway: string | null = null;
  const engine = options.dockerSocket ? new Docker({ socketPath: options.dockerSocket }) : new Docker();
  if (options.dockerSocket && !options.controllerProcess) throw new Error('dockerSocket needs controllerProcess: the in-process controller uses the default engine');
  if (controllerConfig.docker === 'on') {
    // Docker members are on the platform's own network and reach the broker at its gateway, as with npm start.
    const { name, gateway } = await ensureMemberNetwork(engine, await platformIdOf(home), home);
    memberNetwork = name;
    memberGateway = gateway;
    if (!broker.listenAlso) throw new Error(`docker members need a broker they reach at ${gateway}: use the aedes test broker`);
    await broker.listenAlso(gateway);
  }
  for (const region of (options.regions ?? []).filter((r) => r.driver === 'docker')) {
    const { gateway } = await ensureMemberNetwork(dockerEngineAt(region.endpoint), await platformIdOf(home), home);
    const host = region.platformHost ?? gateway; // where the region's members reach the platform, as npm start's broker listens
    if (!broker.listenAlso) throw new Error(`docker members of region ${region.region} need a broker they reach at ${host}: use the aedes test broker`);
    if (host !== memberGateway) await broker.listenAlso(host);
  }
  if (options.swarm) {
    if (!broker.listenAlso) throw new Error(`swarm members need a broker they reach at ${options.swarm.platformHost}: use the aedes test broker`);
    await broker.listenAlso(options.swarm.platformHost);
    for (const host of options.swarm.otherPlatformHosts ?? []) await broker.listenAlso(host); // nodes labelled stratos.platform-host
  }
  const logOptions = (collector: LogCollector | undefined): { logger?: false; log?: LogOptions } =>
    collector ? { log: { level: 'debug', stream: collector.stream } } : process.env.STRATOS_TEST_LOGS === '1' ? {} : { logger: false };
  let controllerChild: ControllerProcess | null = null;
  const standbys: ControllerProcess[] = [];
  let controller: RunningController | null = null;
  const controllerEnv: Record<string, string> = options.dockerSocket ? { DOCKER_HOST: `unix://${options.dockerSocket}` } : {};
  if (options.controllerProcess) controllerChild = await spawnController(controllerConfig, controllerEnv);
  else controller = await startCloudController(controllerConfig, logOptions(options.logs?.controller));
  const dispatcher = tls ? new Agent({ connect: { ca: tls.cert } }) : undefined;
  const manager = await startStratosManager(
    {
      ...(tls ? { tls: { certFile: join(home, 'tls', 'cert.pem'), keyFile: join(home, 'tls', 'key.pem') } } : {}),
      databaseUrl,
      mqttUrl: broker.url,
      mqttCaCert: broker.caCert,
      home,
      host: '127.0.0.1',
      port: apiPort,
      rpcTimeoutMs: options.rpcTimeoutMs ?? 10_000, // generous: CI runs two suites and their members on 2 cores
      bodyLimitBytes: 1024 * 1024,
      tokenTtlHours: 1,
      loginThrottle: options.loginThrottle,
      consoleDir: resolve('dist/console'), // npm test builds it first
    },
    logOptions(options.logs?.manager),
  );
  // Docker members told where the API is reach it at the gateway (by PLATFORM_HOST_NAME), as with npm start.
  if (options.advertise && memberGateway) await manager.listenAlso(memberGateway);
  const api: TestPlatform['api'] = async (method, path, request = {}) => {
    const headers: Record<string, string> = { ...request.headers };
    const token = request.token === undefined ? platform.adminToken : request.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined = request.raw;
    if (request.body !== undefined) body = JSON.stringify(request.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${manager.url}/api${path}`, { method, headers, body, dispatcher } as RequestInit);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };
  const credentials = await readFile(join(home, 'admin-credentials'), 'utf8');
  const password = /password=(.*)/.exec(credentials)![1];
  /** Waits until a counter of the controller's metrics (read through the manager's /metrics) has gone up by `count`. */
  const countMore = async (what: string, pattern: RegExp, count: number, timeoutMs: number) => {
    const read = async () => {
      const response = await fetch(`${manager.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
      return Number(pattern.exec(await response.text())?.[1] ?? NaN);
    };
    const start = await read();
    if (Number.isNaN(start)) throw new Error(`the controller reports no ${what.replace(/^\d+ /, '')} (is it running?)`);
    await until(what, async () => (await read()) >= start + count, timeoutMs);
  };
  const platform: TestPlatform = {
    broker,
    tls: tls ? { cert: tls.cert, fingerprint: tls.fingerprint } : null,
    databaseUrl,
    home,
    url: manager.url,
    adminToken: '',
    adminPassword: password,
    manager,
    get controller() {
      return controller;
    },
    api,
    async post(path, body, status = 201) {
      const response = await api('POST', path, { body });
      if (response.status !== status) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async runtime(applicationId) {
      return (await api('GET', `/applications/${applicationId}/runtime`)).body as ApplicationRuntime;
    },
    async startController() {
      if (options.controllerProcess) controllerChild = await spawnController(controllerConfig, controllerEnv);
      else controller = await startCloudController(controllerConfig, logOptions(options.logs?.controller));
      // Ready when the manager has seen its presence, as a client would find it.
      await until('the manager sees the controller', async () => ((await api('GET', '/health', { token: null })).body as { cloudController: string }).cloudController === 'up', 30_000);
    },
    async stopController() {
      await controller?.close();
      controller = null;
      await controllerChild?.stop('SIGTERM');
      controllerChild = null;
    },
    async reconcilePasses(count) {
      await countMore(`${count} reconcile passes`, /^stratos_reconcile_pass_seconds_count (\d+)$/m, count, 30_000);
    },
    async autoscalerEvaluations(count) {
      await countMore(`${count} autoscaler evaluations`, /^stratos_autoscaler_evaluations_total (\d+)$/m, count, 60_000);
    },
    async startStandbyController(standbyOptions = {}) {
      if (!options.controllerProcess) throw new Error('startStandbyController needs startTestPlatform({ controllerProcess: true })');
      const standby = await spawnController({ ...controllerConfig, home: standbyOptions.home ?? controllerConfig.home }, { ...controllerEnv, ...standbyOptions.env }, { wait: false });
      if (standbyOptions.takesOver ?? !standbyOptions.home) standbys.push(standby);
      return standby;
    },
    async failover(meanwhile?: () => unknown) {
      const next = standbys.shift();
      if (!controllerChild || !next) throw new Error('failover needs a leading controller process and a standby');
      const killedAt = Date.now();
      await controllerChild.stop('SIGKILL');
      controllerChild = next;
      meanwhile?.();
      await Promise.race([next.online, sleep(30_000).then(() => Promise.reject(new Error(`the standby did not take over within 30 s: ${next.output()}`)))]);
      return Date.now() - killedAt;
    },
    async killController() {
      if (!controllerChild) throw new Error('killController needs startTestPlatform({ controllerProcess: true })');
      await controllerChild.stop('SIGKILL');
      controllerChild = null;
      // Its Last Will says offline: wait until the manager knows, so that a later "up" is the next controller's.
      await until('the manager sees the controller gone', async () => ((await api('GET', '/health', { token: null })).body as { cloudController: string }).cloudController !== 'up', 30_000);
    },
    async watchEvents() {
      const client: MqttClient = await mqtt.connectAsync(broker.url, { ...brokerTrust(broker.caCert), clientId: `test-watch-${Math.random().toString(16).slice(2)}` });
      watches.add(client);
      const events: (TopologyEvent & { payload: any })[] = [];
      // QoS 1 may deliver an event twice (a PUBACK late on a loaded machine): each revision once, as a watcher should.
      const seen = new Set<number>();
      client.on('message', (_topic, payload) => {
        const event = JSON.parse(payload.toString()) as TopologyEvent;
        if (seen.has(event.revision)) return;
        seen.add(event.revision);
        events.push(event);
      });
      await client.subscribeAsync(Topics.topology.all, { qos: 1 });
      return {
        events,
        close: async () => {
          watches.delete(client);
          await client.endAsync(true);
        },
      };
    },
    async story(applicationId) {
      const client = new pg.Client({ connectionString: platform.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ revision: string; type: string; payload: Record<string, any> }>(
          "SELECT revision, type, payload FROM topology_events WHERE payload->>'applicationId' = $1 ORDER BY revision",
          [applicationId],
        );
        const memberOf = (payload: Record<string, any>): string | undefined => payload.memberId ?? payload.member?.memberId;
        const lines = rows.map(({ revision, type, payload }) =>
          [`#${revision}`, type, memberOf(payload) ?? payload.clusterId ?? '', payload.member?.status ?? payload.to ?? '', payload.reason ?? payload.message ?? ''].join(' ').trimEnd(),
        );
        for (const memberId of new Set(rows.map((r) => memberOf(r.payload)).filter(Boolean))) {
          const logs = await api('GET', `/members/${memberId}/logs?tail=2000`);
          lines.push(`--- ${memberId} (log, ${logs.status}):`, ...(logs.status === 200 ? String(logs.body.text ?? JSON.stringify(logs.body)) : JSON.stringify(logs.body)).split('\n').slice(-15));
        }
        return lines.join('\n');
      } finally {
        await client.end();
      }
    },
    async stop() {
      // Watches a failed test left open: reconnecting to a stopped broker after Jest tore the suite down would fail the next suites of this worker.
      for (const client of watches) await client.endAsync(true).catch(() => undefined);
      watches.clear();
      await manager.close();
      await controller?.close();
      for (const standby of standbys.splice(0)) await standby.stop('SIGTERM'); // first: none takes over from the leader stopping next
      await controllerChild?.stop('SIGTERM');
      await broker.stop();
      // What a failed test left running, in the home and in each local region's folder (kept by the test that made it).
      for (const folder of [home, ...(options.regions ?? []).filter((r) => r.driver === 'local').map((r) => r.endpoint)]) killLeftoverMembers(folder);
      if (memberNetwork) {
        // What a test left running goes, then its network (Docker has addresses for a few dozen bridges only).
        const mine = { label: [`${Label.platform}=${await platformIdOf(home)}`] };
        const left = await engine.listContainers({ all: true, filters: mine });
        await Promise.all(left.map((c) => engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
        // Its members' named volumes too (kept across members by design, not across test platforms).
        const { Volumes } = await engine.listVolumes({ filters: mine });
        await Promise.all((Volumes ?? []).map((v) => engine.getVolume(v.Name).remove().catch(() => undefined)));
        await engine.getNetwork(memberNetwork).remove().catch(() => undefined);
      }
      await rm(home, { recursive: true, force: true });
    },
  };
  const login = await api('POST', '/tokens', { body: { username: 'admin', password }, token: null });
  if (login.status !== 201) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  platform.adminToken = login.body.token as string;
  return platform;
}

export interface ControllerProcess {
  pid: number;
  /** Resolves once it serves (publishes its presence): at once for a leader, at its takeover for a standby. */
  online: Promise<void>;
  /** The last of its output. */
  output(): string;
  /** Its exit code once it has exited (null while it runs). */
  exitCode(): number | null;
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** The controller as `npm run start:controller` runs it, configured by environment as in production. */
async function spawnController(config: ControllerConfig, extraEnv: Record<string, string> = {}, options: { wait: boolean } = { wait: true }): Promise<ControllerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [EnvVar.databaseUrl]: config.databaseUrl,
    [EnvVar.mqttUrl]: config.mqttUrl,
    [EnvVar.home]: config.home,
    [EnvVar.reconcileIntervalMs]: String(config.reconcileIntervalMs),
    [EnvVar.memberStartTimeoutS]: String(Math.ceil(config.memberStartTimeoutMs / 1000)),
    ...(config.memberDrainMs !== undefined ? { [EnvVar.memberDrainS]: String(Math.ceil(config.memberDrainMs / 1000)) } : {}),
    [EnvVar.docker]: config.docker ?? 'off',
    [EnvVar.localSandbox]: config.localSandbox ?? 'auto',
    [EnvVar.mqttDynsec]: config.mqttDynsec ? 'on' : 'off',
    ...(config.mqttMemberFiles ? { [EnvVar.mqttMemberFiles]: config.mqttMemberFiles.dir, [EnvVar.mqttBrokerPidFile]: config.mqttMemberFiles.pidFile } : {}),
    ...(config.agentKeepaliveS ? { [EnvVar.agentKeepaliveS]: String(config.agentKeepaliveS) } : {}),
    ...(config.healthIntervalS ? { [EnvVar.healthIntervalS]: String(config.healthIntervalS) } : {}),
    ...Object.fromEntries(
      (
        [
          ['intervalS', EnvVar.scalingIntervalS],
          ['windowS', EnvVar.scalingWindowS],
          ['horizonS', EnvVar.scalingHorizonS],
          ['coolDownS', EnvVar.scalingCoolDownS],
          ['scaleDownVotes', EnvVar.scalingDownVotes],
        ] as const
      )
        .filter(([key]) => config.scaling?.[key] !== undefined)
        .map(([key, name]) => [name, String(config.scaling![key])]),
    ),
    ...(config.regions?.length ? { [EnvVar.regions]: config.regions.map(formatRegion).join(',') } : {}),
    [EnvVar.logLevel]: process.env.STRATOS_TEST_LOGS === '1' ? 'info' : 'warn',
    [EnvVar.logFormat]: 'json',
    ...extraEnv, // last: a test's own settings win (a log level, a key file)
  };
  if (config.memberSecret) env[EnvVar.memberSecret] = config.memberSecret;
  if (config.mqttCaCert) {
    const caFile = join(config.home, 'mqtt-ca.pem');
    await writeFile(caFile, config.mqttCaCert);
    env[EnvVar.mqttCaCert] = caFile;
  }
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'apps', 'cloud-controller', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_000);
      if (process.env.STRATOS_TEST_LOGS === '1') process.stdout.write(chunk);
    });
  }
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  // Serving once it says so (its log line at warn level is not written: its presence through the broker instead).
  const online = (async () => {
    const client = await mqtt.connectAsync(config.mqttUrl, { ...brokerTrust(config.mqttCaCert), clientId: `test-presence-${Math.random().toString(16).slice(2)}` });
    try {
      await client.subscribeAsync(Topics.controllerPresence.all, { qos: 1 });
      await Promise.race([
        new Promise<void>((resolveOnline) =>
          client.on('message', (topic, payload) => {
            // Its presence topic names its pid (host-pid-random); the retained message says online.
            if (topic.includes(`-${child.pid}-`) && payload.length > 0 && (JSON.parse(payload.toString()) as { status?: string }).status === 'online') resolveOnline();
          }),
        ),
        exited.then(() => {
          throw new Error(`the cloud controller process exited before it served: ${output}`);
        }),
      ]);
    } finally {
      await client.endAsync(true);
    }
  })();
  online.catch(() => undefined); // a standby killed while it stands by never serves
  const handle: ControllerProcess = {
    pid: child.pid!,
    online,
    output: () => output,
    exitCode: () => child.exitCode,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  if (!options.wait) return handle;
  const ready = await Promise.race([online.then(() => true, () => false), new Promise<false>((resolveLate) => setTimeout(() => resolveLate(false), 30_000).unref())]);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`the cloud controller process did not come up within 30 s: ${output}`);
  }
  return handle;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killLeftoverMembers(folder: string): void {
  const dir = join(folder, 'members');
  if (!existsSync(dir)) return;
  for (const member of readdirSync(dir)) {
    try {
      const { pid } = JSON.parse(readFileSync(join(dir, member, 'member.json'), 'utf8')) as { pid: number };
      if (pid > 0) process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Polls `probe` until it gives a truthy value, which it returns; fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}
