/**
 * A Docker engine of a test's own (never the one other suites use): its own data root, exec root,
 * pid file, socket, address pool and default bridge — so it can be stopped and started again.
 * A dockerd in the host's network namespace removes the host's `docker0` (the main engine's
 * default bridge) when started with `--bridge=none`, and when started again with an address pool
 * (moby's configureNetworking: removeDefaultBridgeInterface) — which broke every later `docker
 * run` on the main engine's default network (a `docker build` with a RUN step failed on it). So
 * each own engine has a bridge of its own, and `docker0` is put back as it was after each start.
 * The agent image is copied into it from the main engine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { IN_CI } from './test-env';

/** Whether this machine can run a Docker engine of a test's own (dockerd on the PATH, as root); says why not (a failure in CI). */
export function ownEngineAvailable(): boolean {
  let reason: string | null = null;
  if (spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).status !== 0) reason = 'no dockerd on the PATH (apt-get install docker.io)';
  else if (process.getuid?.() !== 0) reason = 'a dockerd of its own needs root';
  if (!reason) return true;
  const message = `SKIPPED the Docker engine restart test: ${reason}`;
  if (IN_CI) throw new Error(`${message}, and CI=true forbids skipping`);
  process.stdout.write(`${message}\n`);
  return false;
}

export interface OwnEngine {
  socket: string;
  docker: Docker;
  /** SIGTERM, wait for it to exit, then start it again and wait until it answers; returns the seconds it was down. */
  restart(): Promise<number>;
  /** Down at once (SIGKILL, its containerd too: nothing shut down gracefully), as a machine's crash. */
  kill(): Promise<void>;
  /** Up again after kill(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** `pool`: the address pool of its networks (two engines of a test's own need two, e.g. 10.214.0.0/16). */
export async function startOwnEngine(images: string[], options: { pool?: string } = {}): Promise<OwnEngine> {
  // Short: a unix socket's path has a length limit.
  const dir = await mkdtemp('/tmp/sd-');
  const socket = join(dir, 'docker.sock');
  const pool = options.pool ?? '10.213.0.0/16';
  const bridge = `sdbr${dir.slice(-6).replace(/[^a-zA-Z0-9]/g, 'x')}`.slice(0, 15);
  // Its default bridge in a /24 of 10.79.x.0 no interface of this host is in (two own engines may run at once).
  const used = spawnSync('ip', ['-o', '-4', 'addr'], { encoding: 'utf8' }).stdout;
  const third = [...Array(50)].map(() => 1 + Math.floor(Math.random() * 250)).find((n) => !used.includes(`10.79.${n}.`));
  if (third === undefined) throw new Error('no free 10.79.x.0/24 subnet for the test engine\'s bridge');
  const bridgeAddress = `10.79.${third}.1/24`;
  for (const command of [['link', 'add', bridge, 'type', 'bridge'], ['addr', 'add', bridgeAddress, 'dev', bridge], ['link', 'set', bridge, 'up']]) {
    const made = spawnSync('ip', command, { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ip ${command.join(' ')}: ${made.stderr}`);
  }
  const args = [
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${join(dir, 'dockerd.pid')}`,
    `--host=unix://${socket}`,
    '--storage-driver=overlay2',
    `--bridge=${bridge}`,
    `--default-address-pool=base=${pool},size=24`,
  ];
  const hostBridge = spawnSync('ip', ['-o', '-4', 'addr', 'show', 'docker0'], { encoding: 'utf8' }).stdout.match(/inet (\S+)/)?.[1];
  /** docker0 as it was before this engine started, if this engine's start removed it. */
  const restoreHostBridge = () => {
    if (!hostBridge || spawnSync('ip', ['link', 'show', 'docker0']).status === 0) return;
    for (const command of [['link', 'add', 'docker0', 'type', 'bridge'], ['addr', 'add', hostBridge, 'dev', 'docker0'], ['link', 'set', 'docker0', 'up']]) spawnSync('ip', command);
  };
  let daemon: ChildProcess;
  let log = '';
  const docker = new Docker({ socketPath: socket });
  // A dockerd started on a loaded machine may give up on its containerd ("timeout waiting for
  // containerd to start") and exit: it is started again, up to three times, before the test fails.
  const up = async () => {
    for (let attempt = 1; ; attempt++) {
      daemon = spawn('dockerd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      daemon.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
      daemon.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
      for (let i = 0; i < 120; i++) {
        if (existsSync(socket) && (await docker.ping().then(() => true, () => false))) return restoreHostBridge();
        if (daemon.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (daemon.exitCode === null || attempt >= 3) break;
    }
    throw new Error(`the test's own dockerd did not answer: ${log}`);
  };
  const down = async () => {
    if (daemon.exitCode !== null || daemon.signalCode !== null) return;
    const exited = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await exited;
  };
  await up();
  for (const image of images) {
    const copied = spawnSync('sh', ['-c', `docker save ${image} | docker -H unix://${socket} load`], { encoding: 'utf8', timeout: 120_000 });
    if (copied.status !== 0) throw new Error(`copying ${image} into the test's own engine failed: ${copied.stderr}`);
  }
  return {
    socket,
    docker,
    async restart() {
      const started = Date.now();
      await down();
      await up();
      return (Date.now() - started) / 1000;
    },
    async kill() {
      if (daemon.exitCode === null && daemon.signalCode === null) {
        const exited = new Promise((r) => daemon.once('exit', r));
        daemon.kill('SIGKILL');
        await exited;
        // Its containerd, which a killed dockerd leaves running (and holding its state): as a machine's crash would.
        spawnSync('pkill', ['-KILL', '-f', join(dir, 'exec')]);
      }
    },
    start: up,
    async stop() {
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      await down();
      spawnSync('ip', ['link', 'del', bridge]);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
