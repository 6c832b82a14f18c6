/**
 * The two real brokers every integration suite runs against: aedes in-process (the embedded
 * default) and Mosquitto from Debian, started per suite on a free port. Where Mosquitto is
 * not installed the suite says so and skips, except in CI, where that is a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, selfSignedTlsPair, startEmbeddedBroker } from '@stratos/runtime';
import { IN_CI } from './test-env';

/** `mosquitto-files`: Mosquitto whose members' users are in files the controller writes (STRATOS_MQTT_MEMBER_FILES); the platform's own user stays in dynamic security. */
export type BrokerKind = 'aedes' | 'mosquitto' | 'mosquitto-files';

export interface TestBroker {
  kind: BrokerKind;
  /** With credentials where the broker wants them. */
  url: string;
  /** Signs member passwords where the broker checks them (aedes). */
  memberSecret?: string;
  /** Mosquitto with its dynamic-security plugin: the controller creates each member's client. */
  dynsec?: boolean;
  /** Mosquitto reading members' users from files in `dir` the controller writes, told to read them again through its pid file. */
  memberFiles?: { dir: string; pidFile: string };
  /** The embedded broker also listens on another address (the platform's Docker network gateway). */
  listenAlso?(host: string): Promise<void>;
  /** Down (aedes: closed; Mosquitto: kill -9) for `downMs`, then up again on the same port with the same identities. */
  restart(downMs: number): Promise<void>;
  /** The certificate of a broker that speaks MQTT over TLS only (its url is mqtts://): what MQTT_CA_CERT names. */
  caCert?: string;
  /** Mosquitto's process id (its CPU and memory, for benchmarks). */
  pid?(): number;
  stop(): Promise<void>;
}

export function mosquittoBinary(): string | null {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

/** The brokers this machine can run; logs why one is missing (and fails in CI). */
/** Debian's Mosquitto dynamic-security plugin: what gives each member its own identity there. */
const dynsecPlugin = () => ['/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so', '/usr/lib/mosquitto_dynamic_security.so'].find((p) => existsSync(p));

export function availableBrokers(options: { memberFiles?: boolean } = {}): BrokerKind[] {
  if (mosquittoBinary() && dynsecPlugin()) return ['aedes', 'mosquitto', ...(options.memberFiles ? (['mosquitto-files'] as const) : [])];
  const reason = `SKIPPED the Mosquitto runs: no ${mosquittoBinary() ? 'dynamic-security plugin' : 'mosquitto binary'} (apt-get install -y mosquitto); .ci/run installs it`;
  if (IN_CI) throw new Error(`${reason}, and CI=true forbids skipping`);
  process.stdout.write(`${reason}\n`);
  return ['aedes'];
}

/** `tls`: MQTT over TLS only, with a self-signed pair of the broker's own (as npm start's embedded broker). */
export async function startBroker(kind: BrokerKind, options: { tls?: boolean } = {}): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), `stratos-${kind}-`));
  const tls = options.tls ? await selfSignedTlsPair(dir) : undefined;
  if (kind === 'aedes') {
    const credentials = { username: 'stratos', password: randomBytes(12).toString('hex') };
    const memberSecret = randomBytes(12).toString('hex');
    let broker = await startEmbeddedBroker({ port: 0, credentials, memberSecret, tls });
    const port = broker.port;
    const url = new URL(broker.url);
    url.username = credentials.username;
    url.password = credentials.password;
    return {
      kind,
      url: url.toString(),
      memberSecret,
      caCert: tls?.cert,
      listenAlso: (host) => broker.listenAlso(host),
      async restart(downMs) {
        await broker.stop();
        await new Promise((r) => setTimeout(r, downMs));
        broker = await startEmbeddedBroker({ port, credentials, memberSecret, tls });
      },
      stop: async () => {
        await broker.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const binary = mosquittoBinary();
  if (!binary) throw new Error('mosquitto is not installed');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  // Dynamic security (Debian ships it): no anonymous clients; the platform logs in as an admin
  // that may also publish on the platform's topics, and makes a client per member.
  const plugin = dynsecPlugin();
  if (!plugin) throw new Error("Mosquitto's dynamic-security plugin is missing: members would get no identity of their own");
  const password = randomBytes(12).toString('hex');
  const dynsec = join(dir, 'dynsec.json');
  const init = spawnSync('mosquitto_ctrl', ['dynsec', 'init', dynsec, 'stratos', password], { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr}`);
  const document = JSON.parse(await readFile(dynsec, 'utf8')) as { roles: { rolename: string; acls: unknown[] }[] };
  document.roles.find((r) => r.rolename === 'admin')!.acls.push({ acltype: 'publishClientSend', topic: 'stratos/#', priority: 0, allow: true });
  await writeFile(dynsec, JSON.stringify(document));
  const memberFiles = kind === 'mosquitto-files' ? { dir: join(dir, 'members'), pidFile: join(dir, 'mosquitto.pid') } : undefined;
  if (memberFiles) {
    await mkdir(memberFiles.dir);
    await Promise.all([writeFile(join(memberFiles.dir, 'passwd'), ''), writeFile(join(memberFiles.dir, 'acl'), '')]);
  }
  const auth = [
    'allow_anonymous false',
    `plugin ${plugin}`,
    `plugin_opt_config_file ${dynsec}`,
    // After dynamic security (which knows the platform's user, not the members'): the members' users and their topics.
    ...(memberFiles ? [`password_file ${join(memberFiles.dir, 'passwd')}`, `acl_file ${join(memberFiles.dir, 'acl')}`, `pid_file ${memberFiles.pidFile}`] : []),
  ];
  await writeFile(
    config,
    [`listener ${port} 127.0.0.1`, ...(tls ? [`certfile ${join(dir, 'tls', 'cert.pem')}`, `keyfile ${join(dir, 'tls', 'key.pem')}`] : []), ...auth, 'set_tcp_nodelay true', 'persistence false', 'user root', 'log_dest stderr', 'log_type error', 'log_type warning', 'max_queued_messages 100000', ''].join('\n'),
  );
  let stderr = '';
  const launch = async () => {
    const started = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    // What Mosquitto complains of (errors and warnings only) is shown as it comes: a suite or
    // benchmark that stalls on the broker says why.
    started.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const said = chunk
        .toString()
        .split('\n')
        .filter((line) => line && !line.includes('should not be run as root')); // the tests' own choice (`user root`)
      if (said.length > 0) process.stderr.write(said.map((line) => `[mosquitto :${port}] ${line}\n`).join(''));
    });
    await waitForPort(port, 10_000).catch((error: Error) => {
      started.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port}: ${error.message}; stderr: ${stderr}`);
    });
    return started;
  };
  let child = await launch();
  return {
    kind,
    url: `${tls ? 'mqtts' : 'mqtt'}://stratos:${password}@127.0.0.1:${port}`,
    dynsec: true,
    memberFiles,
    caCert: tls?.cert,
    pid: () => child.pid!,
    // Dynamic security keeps its clients in dynsec.json: the members' identities survive the restart.
    async restart(downMs) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch();
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}
