/**
 * `npm start`: the whole platform on one machine. Embedded PostgreSQL and an in-process MQTT
 * broker unless DATABASE_URL / MQTT_URL point elsewhere; the cloud controller and the
 * stratos-manager as supervised child processes, exactly as they run on their own.
 * Ctrl-C stops all of it, postgres included — but not the members: they keep serving, and the
 * next start adopts them (it says how many, and how to stop them).
 */
import 'reflect-metadata';
import pg from 'pg';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  DATABASE_PROTOCOLS,
  DEFAULT_API_PORT,
  DEFAULT_MQTT_PORT,
  ConfigError,
  EnvVar,
  MEMBER_GATEWAY_MESSAGE,
  MEMBER_SECRET_MESSAGE,
  MEMBERS_RUNNING_MESSAGE,
  MQTT_PROTOCOLS,
  readPort,
  readString,
  readUrl,
  safeUrl,
  TLS_MODES,
  readInteger,
  silenceGraces,
  DEFAULT_AGENT_KEEPALIVE_S,
  DEFAULT_HEALTH_INTERVAL_S,
} from '@stratos/contracts';
import { MemberSecretRotation } from './member-secret-rotation';
import { Agent } from 'undici';
import {
  assertPortFree,
  freePort,
  loadTlsPair,
  markPlatformRunning,
  readOrCreateMemberSecrets,
  runMain,
  selfSignedTlsPair,
  startEmbeddedBroker,
  startEmbeddedPostgres,
  type PostgresSupervisionEvent,
  type Stop,
  type TlsPair,
} from '@stratos/runtime';

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Child {
  name: string;
  script: string;
  process?: ChildProcess;
  restarts: number;
}

runMain('stratos', async () => {
  const env = process.env;
  const home = resolve(readString(env, EnvVar.home, '.stratos'));
  let databaseUrl = readUrl(env, EnvVar.databaseUrl, DATABASE_PROTOCOLS, { required: false });
  let mqttUrl = readUrl(env, EnvVar.mqttUrl, MQTT_PROTOCOLS, { required: false });
  const mqttPort = readPort(env, EnvVar.mqttPort, DEFAULT_MQTT_PORT);
  const apiHost = readString(env, EnvVar.apiHost, '127.0.0.1');
  const apiPort = readPort(env, EnvVar.apiPort, DEFAULT_API_PORT) || (await freePort());
  // Checked here, before anything starts, so that a taken port is one clear line.
  await assertPortFree({ host: apiHost, port: apiPort, what: 'stratos-manager API', variable: EnvVar.apiPort });
  if (!mqttUrl && mqttPort !== 0) await assertPortFree({ host: '127.0.0.1', port: mqttPort, what: 'embedded MQTT broker', variable: EnvVar.mqttPort });
  await mkdir(home, { recursive: true });
  const unmarkRunning = markPlatformRunning(home); // secrets rotate finds it there
  const stops: Stop[] = [async () => unmarkRunning()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => say(`stratos: ${e.message}`));
  };

  try {
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        home: join(home, 'postgres'),
        onLog: (line) => env.STRATOS_DEBUG && say(`[postgres] ${line}`),
        // The manager answers 503 meanwhile, the controller retries; both reconnect once it is back.
        supervise: { onEvent: (event) => say(describePostgresEvent(event)) },
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
      say(`PostgreSQL (embedded) ready on 127.0.0.1:${pg.port}${pg.url.includes('?host=') ? ' and a Unix socket in its data folder (which the platform uses)' : ''}, data in ${pg.dataDir}${pg.created ? ' (new)' : ''}`);
    } else {
      say(`PostgreSQL: ${safeUrl(databaseUrl)} (DATABASE_URL)`);
    }
    const database = databaseUrl;
    // Runs after the controller and the manager stopped, before the database does: which members outlive the platform.
    stops.push(() => sayWhatKeepsRunning(database, membersReport));
    let memberSecret = env[EnvVar.memberSecret];
    let embeddedBroker: { port: number; listenAlso(host: string): Promise<void> } | null = null;
    // Every Docker member network's gateway the controller told of (one per region's engine): a restarted child learns them again.
    const gatewayMessages = new Map<string, { type: string; host: string }>();
    let membersReport: Record<string, number> | null = null;
    // The API and the embedded broker over TLS: the operator's certificate, else the home's self-signed one (clients pin it), unless STRATOS_TLS=off.
    const tls = await apiTls(env, home, apiHost);
    const scheme = tls ? 'https' : 'http';
    if (!mqttUrl) {
      const credentials = { username: 'stratos', password: randomBytes(18).toString('base64url') };
      // STRATOS_MEMBER_SECRET, when set, is the operator's to rotate; else the home's file, rotated in place (stratos secrets rotate member-secret).
      const secrets = memberSecret ? null : await readOrCreateMemberSecrets(home);
      memberSecret ??= secrets!.current;
      const broker = await startEmbeddedBroker({ port: mqttPort, credentials, memberSecret, previousMemberSecret: secrets?.previous, tls: tls ? { cert: tls.pair.cert, key: tls.pair.key } : undefined });
      stops.push(() => broker.stop());
      if (secrets) {
        const rotation = new MemberSecretRotation(
          {
            home,
            broker,
            graceMs: silenceGraces({ agentKeepaliveS: readInteger(env, EnvVar.agentKeepaliveS, DEFAULT_AGENT_KEEPALIVE_S, { min: 1, max: 600 }), healthIntervalS: readInteger(env, EnvVar.healthIntervalS, DEFAULT_HEALTH_INTERVAL_S, { min: 1, max: 600 }) }).quietMs,
            say,
            useSecret: (secret) => {
              childEnv[EnvVar.memberSecret] = secret; // for a controller restarted later
              for (const child of children) child.process?.send?.({ type: MEMBER_SECRET_MESSAGE, secret });
            },
          },
          secrets,
        );
        stops.push(async () => rotation.stop());
      }
      const url = new URL(broker.url);
      url.username = credentials.username;
      url.password = credentials.password;
      mqttUrl = url.toString();
      say(`MQTT broker (embedded, aedes, MQTT 3.1.1) on ${broker.url}${tls ? ' (TLS, the API\'s certificate)' : ''}`);
      embeddedBroker = broker;
      // Its processes and its members trust that certificate alone (an operator's CA may be named instead).
      if (tls) env[EnvVar.mqttCaCert] ||= tls.certFile;
    } else {
      say(`MQTT broker: ${safeUrl(mqttUrl)} (MQTT_URL)`);
    }

    const childEnv: NodeJS.ProcessEnv = { ...env, [EnvVar.home]: home, [EnvVar.databaseUrl]: databaseUrl, [EnvVar.mqttUrl]: mqttUrl, [EnvVar.apiPort]: String(apiPort), [EnvVar.apiHost]: apiHost };
    if (tls) Object.assign(childEnv, { [EnvVar.tlsCert]: tls.certFile, [EnvVar.tlsKey]: tls.keyFile });
    if (memberSecret) childEnv[EnvVar.memberSecret] = memberSecret;
    // The children write to a pipe: they format for the terminal this launcher writes to.
    if (process.stdout.isTTY) childEnv[EnvVar.logFormat] ??= 'pretty';
    // Members reach the API where it listens (a wildcard address is reached on loopback).
    childEnv[EnvVar.advertiseUrl] ??= `${scheme}://${apiHost === '0.0.0.0' || apiHost === '::' ? '127.0.0.1' : apiHost}:${apiPort}`;
    // …and trust its certificate (members get it as METADATA_SERVICE_CA_FILE).
    if (tls) childEnv[EnvVar.apiCaCert] ||= tls.certFile;
    const children: Child[] = [
      { name: 'controller', script: join(__dirname, '../../cloud-controller/src/main.js'), restarts: 0 },
      { name: 'manager', script: join(__dirname, '../../stratos-manager/src/main.js'), restarts: 0 },
    ];
    let stopping = false;
    let healthy = false;
    let failedToStart: ((error: Error) => void) | undefined;
    const startFailure = new Promise<never>((_, reject) => (failedToStart = reject));
    startFailure.catch(() => undefined);
    // Ctrl-C reaches the children too (one process group): their exit is then no crash to restart.
    process.once('SIGINT', () => (stopping = true));
    process.once('SIGTERM', () => (stopping = true));
    const launch = (child: Child) => {
      const proc = spawn(process.execPath, [child.script], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      child.process = proc;
      for (const message of gatewayMessages.values()) proc.send(message); // a restarted manager learns them again
      // Docker members live on the platform's own network: the controller says where its gateway is, and the embedded broker listens there too.
      proc.on('message', (message: { type?: string; host?: string; applications?: Record<string, number> }) => {
        if (message?.type === MEMBERS_RUNNING_MESSAGE && message.applications && typeof message.applications === 'object') membersReport = message.applications;
        if (message?.type !== MEMBER_GATEWAY_MESSAGE || typeof message.host !== 'string') return;
        const gatewayMessage = { type: MEMBER_GATEWAY_MESSAGE, host: message.host };
        gatewayMessages.set(message.host, gatewayMessage);
        for (const other of children) if (other !== child) other.process?.send?.(gatewayMessage); // the manager serves the API there too
        if (!embeddedBroker) return;
        const broker = embeddedBroker;
        broker.listenAlso(message.host).then(
          () => say(`MQTT broker (embedded) also on ${message.host}:${broker.port}, for docker members (the platform's Docker network)`),
          (error: Error) => say(`stratos: the embedded broker cannot listen on ${message.host} (${error.message}); docker members will not reach it`),
        );
      });
      for (const stream of [proc.stdout!, proc.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => say(`[${child.name}] ${line}`));
      }
      proc.on('exit', (code, signal) => {
        child.process = undefined;
        if (stopping) return;
        if (!healthy) return failedToStart?.(new Error(`the ${child.name} stopped while starting (${signal ?? `code ${code}`}); its lines above say why`));
        child.restarts += 1;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(child.restarts - 1, 5));
        say(`stratos: the ${child.name} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
        setTimeout(() => !stopping && launch(child), delay).unref();
      });
    };
    children.forEach(launch);
    stops.push(async () => {
      stopping = true;
      await Promise.all(children.map((child) => stopChild(child)));
    });

    const apiUrl = `${scheme}://${apiHost}:${apiPort}`;
    await Promise.race([waitForHealth(`${apiUrl}/api/health`, 60_000, tls?.pair.cert), startFailure]);
    healthy = true;
    say(`API on ${apiUrl}  (OpenAPI: ${apiUrl}/api/docs)`);
    if (tls) say(`TLS certificate ${tls.pair.fingerprint}  (${tls.pair.source})`);
    say(`Console on ${apiUrl}/  (in a browser; log in as admin${tls?.selfSigned ? ', after checking the certificate\'s fingerprint above' : ''})`);
    const trust = tls?.selfSigned ? ` --fingerprint ${tls.pair.fingerprint}` : '';
    say(`Next: npx stratos login --url ${apiUrl}${trust}   (admin credentials: ${join(home, 'admin-credentials')})`);
    say('Ctrl-C stops the platform (members keep running, and are adopted at the next start).');
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
});

function describePostgresEvent(event: PostgresSupervisionEvent): string {
  switch (event.type) {
    case 'exited':
      return `stratos: the embedded PostgreSQL stopped (${event.reason}); restarting it in ${event.restartInMs / 1000} s (the API answers 503 meanwhile)`;
    case 'restart-failed':
      return `stratos: the embedded PostgreSQL did not restart (attempt ${event.attempt}; STRATOS_DEBUG=1 shows its log); trying again in ${event.restartInMs / 1000} s`;
    case 'restarted':
      return `stratos: the embedded PostgreSQL is back (attempt ${event.attempt})`;
  }
}

function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (!proc || proc.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    proc.kill('SIGTERM');
  });
}

/** The API's certificate and key files: STRATOS_TLS_CERT/KEY, else (STRATOS_TLS=self-signed, the default) the home's own pair; null: plain HTTP. */
async function apiTls(env: NodeJS.ProcessEnv, home: string, apiHost: string): Promise<{ certFile: string; keyFile: string; pair: TlsPair; selfSigned: boolean } | null> {
  const [certFile, keyFile] = [readString(env, EnvVar.tlsCert, ''), readString(env, EnvVar.tlsKey, '')];
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new ConfigError(certFile ? EnvVar.tlsKey : EnvVar.tlsCert, `missing: the API's TLS needs ${EnvVar.tlsCert} and ${EnvVar.tlsKey} both (PEM files)`);
    return { certFile: resolve(certFile), keyFile: resolve(keyFile), pair: await loadTlsPair(resolve(certFile), resolve(keyFile)), selfSigned: false };
  }
  const mode = readString(env, EnvVar.tls, 'self-signed');
  if (!(TLS_MODES as readonly string[]).includes(mode)) throw new ConfigError(EnvVar.tls, `must be one of ${TLS_MODES.join(', ')}, got "${mode}"`);
  if (mode === 'off') return null;
  const pair = await selfSignedTlsPair(home, apiHost === '0.0.0.0' || apiHost === '::' ? [] : [apiHost]);
  return { certFile: join(home, 'tls', 'cert.pem'), keyFile: join(home, 'tls', 'key.pem'), pair, selfSigned: true };
}

async function waitForHealth(url: string, timeoutMs: number, certificate?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Its own certificate, whatever name it was made for: this is the launcher asking its own child.
  const dispatcher = certificate ? new Agent({ connect: { ca: certificate, checkServerIdentity: () => undefined } }) : undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { dispatcher } as RequestInit);
      if (response.ok && ((await response.json()) as { status: string }).status === 'up') return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the API did not become healthy within ${timeoutMs / 1000} s (${url}); see the lines above`);
}

/**
 * On stop: the members that keep running (a platform restart must not take the services down),
 * and how to stop them too — as the controller reported them while it stopped, else from the
 * database (a Ctrl-C reaches the embedded PostgreSQL too, which is shutting down by then).
 */
async function sayWhatKeepsRunning(databaseUrl: string, report: Record<string, number> | null): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    let rows: { application_id: string; members: number }[];
    if (report) {
      rows = Object.entries(report)
        .filter(([, members]) => members > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([application_id, members]) => ({ application_id, members }));
    } else {
      await client.connect();
      rows = (
        await client.query<{ application_id: string; members: number }>(
          `SELECT application_id, count(*)::int AS members FROM members WHERE status NOT IN ('Terminated', 'Lost') GROUP BY application_id ORDER BY application_id`,
        )
      ).rows;
    }
    if (rows.length === 0) {
      say('stratos: no members were running.');
      return;
    }
    const total = rows.reduce((sum, r) => sum + r.members, 0);
    say(`stratos: ${total} member(s) keep running (${rows.map((r) => `${r.application_id}: ${r.members}`).join(', ')}); the next npm start adopts them.`);
    say(`  To stop them too, undeploy first: ${rows.map((r) => `npx stratos app undeploy ${r.application_id} --wait`).join('; ')}`);
  } catch (error) {
    say(`stratos: cannot tell which members keep running (${(error as Error).message})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
