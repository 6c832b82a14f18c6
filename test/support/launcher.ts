/** `npm start` as a test runs it: the launcher (dist/apps/platform) as a child process, its output kept. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { ROOT } from './cli';

const LAUNCHER = join(ROOT, 'dist', 'apps', 'platform', 'src', 'main.js');

export interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Ctrl-C: SIGINT to the launcher's whole process group. */
  interrupt(): void;
}

/**
 * Starts the launcher with only `env` as its configuration (no DATABASE_URL or MQTT_URL from the
 * test's environment), in a process group of its own, as a shell runs a job: `interrupt()` is a
 * terminal's Ctrl-C, a SIGINT to the whole group (the launcher, its children, PostgreSQL).
 */
export function launch(env: Record<string, string>): Launched {
  const child = spawn(process.execPath, [LAUNCHER], { env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: '', MQTT_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, interrupt: () => process.kill(-child.pid!, 'SIGINT') };
}

/** Waits until the launcher has printed `text`; fails with everything it printed if it exits or takes too long. */
export async function untilOutput(launched: Launched, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!launched.output().includes(text)) {
    if (launched.child.exitCode !== null) throw new Error(`exited (${launched.child.exitCode}) before "${text}":\n${launched.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${launched.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The line npm start prints once everything is up. */
export const READY_LINE = 'Ctrl-C stops the platform (members keep running, and are adopted at the next start).';

/** fetch that trusts the self-signed certificate npm start made in `home` (as `stratos login --fingerprint` pins it). */
export function fetchTrusting(home: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: readFileSync(join(home, 'tls', 'cert.pem'), 'utf8') } });
  return (input, init) => fetch(input, { ...init, dispatcher } as RequestInit);
}

export interface LaunchedPlatform {
  launched: Launched;
  /** https://127.0.0.1:PORT */
  url: string;
  /** The embedded broker's URL as npm start printed it (mqtts://127.0.0.1:PORT). */
  brokerUrl: string;
  /** The REST API as the admin (its credential from the home), JSON in and out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Ctrl-C to the launcher alone (members keep running), and its exit awaited. */
  stop(): Promise<void>;
}

/** npm start on `home` (local driver, free ports unless `env` names them), once it says it is ready; logged in as the admin. */
export async function launchPlatform(home: string, env: Record<string, string> = {}): Promise<LaunchedPlatform> {
  const { freePort } = await import('@stratos/runtime');
  const port = env.STRATOS_API_PORT ? Number(env.STRATOS_API_PORT) : await freePort();
  const launched = launch({ STRATOS_HOME: home, STRATOS_API_PORT: String(port), MQTT_PORT: '0', STRATOS_DOCKER: 'off', ...env });
  await untilOutput(launched, READY_LINE);
  const url = `https://127.0.0.1:${port}`;
  const brokerUrl = /MQTT broker \(embedded, aedes, MQTT 3\.1\.1\) on (\S+)/.exec(launched.output())?.[1] ?? '';
  const fetchHome = fetchTrusting(home);
  const password = /password=(.*)/.exec(readFileSync(join(home, 'admin-credentials'), 'utf8'))![1];
  const login = await fetchHome(`${url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  if (login.status !== 201) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return {
    launched,
    url,
    brokerUrl,
    async api(method, path, body) {
      const response = await fetchHome(`${url}/api${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      if (launched.child.exitCode !== null) return;
      launched.child.kill('SIGINT');
      await launched.exited;
    },
  };
}

/**
 * The definitions of a small application, "kept" (one cartridge of `members` local members, its
 * policies), posted and deployed; resolves once it is Active with every member Active.
 */
export async function deployKept(platform: Pick<LaunchedPlatform, 'api'>, members = 2): Promise<void> {
  for (const [path, body] of [
    ['/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] })],
    ['/autoscalingPolicies', anAutoscalingPolicy()],
    ['/deploymentPolicies', aDeploymentPolicy()],
    ['/applicationPolicies', anApplicationPolicy()],
    ['/cartridges', aCartridge({ type: 'kept', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] })],
    ['/applications', anApplication({ applicationId: 'kept', components: { cartridges: [aSubscription('kept', 'kept-1', { cartridgeMin: members, cartridgeMax: members })] } })],
  ] as const) {
    const { status, body: answer } = await platform.api('POST', path, body);
    if (status !== 201) throw new Error(`POST ${path}: ${status} ${JSON.stringify(answer)}`);
  }
  const deployed = await platform.api('POST', '/applications/kept/deploy/ap-1');
  if (deployed.status !== 202) throw new Error(`deploy: ${deployed.status} ${JSON.stringify(deployed.body)}`);
  for (let tries = 0; ; tries++) {
    const runtime = (await platform.api('GET', '/applications/kept/runtime')).body as { status?: string; clusters?: { members: { status: string }[] }[] } | undefined;
    if (runtime?.status === 'Active' && runtime.clusters?.flatMap((c) => c.members).filter((m) => m.status === 'Active').length === members) return;
    if (tries > 600) throw new Error(`kept did not become Active: ${JSON.stringify(runtime)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
