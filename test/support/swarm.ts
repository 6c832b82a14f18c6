/**
 * A two-node Docker Swarm of a test's own, on this one machine: each node a dockerd in a network
 * namespace (and a hostname) of its own, joined by a bridge on the host — so that each node has
 * its own address, its own ports and its own containers, as two machines would. The first node
 * is the manager, the second a worker; nodes are labelled `zone=a` and `zone=b`. The images are
 * copied into both engines from the main one (no registry: services name them by id).
 *
 * Made with: ip (iproute2), nsenter and unshare (util-linux), iptables, dockerd — as root.
 * `ip netns exec` is not used: it remounts /sys, hiding the cgroup hierarchy dockerd needs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { isAlive } from '@stratos/runtime';
import { IN_CI } from './test-env';

/** Whether this machine can make a swarm of a test's own; says why not (a failure in CI). */
export function ownSwarmAvailable(): boolean {
  let reason: string | null = null;
  const missing = ['dockerd', 'ip', 'nsenter', 'unshare', 'iptables'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length) reason = `${missing.join(', ')} not on the PATH (apt-get install docker.io iproute2 util-linux iptables)`;
  else if (process.getuid?.() !== 0) reason = 'network namespaces and a dockerd of its own need root';
  if (!reason) return true;
  const message = `SKIPPED the Swarm driver tests: ${reason}`;
  if (IN_CI) throw new Error(`${message}, and CI=true forbids skipping`);
  process.stdout.write(`${message}\n`);
  return false;
}

export interface SwarmNode {
  name: string;
  /** Its address on the bridge: where its published ports are. */
  address: string;
  socket: string;
  docker: Docker;
  nodeId: string;
}

export interface OwnSwarm {
  manager: SwarmNode;
  worker: SwarmNode;
  /** The host's address on the bridge: where the nodes reach the platform. */
  hostAddress: string;
  /** Another address of the host's on the bridge (as another network's way to the platform would be). */
  secondHostAddress: string;
  /** The manager's engine endpoint (STRATOS_SWARM). */
  endpoint: string;
  /** Each node's engine socket, as a task on that node finds it (STRATOS_SWARM_NODE_SOCKET): by its hostname. */
  nodeSocket: string;
  /** Sets a node's labels (beside its zone), or removes those given as null. */
  label(node: SwarmNode, labels: Record<string, string | null>): Promise<void>;
  stop(): Promise<void>;
}

const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || result.stdout || `exit ${result.status}`}`);
  return result.stdout.trim();
};

/** A /24 of 10.78.x.0 no interface of this host is in. */
function freeSubnet(): string {
  const used = run('ip', ['-4', '-o', 'addr']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const third = 1 + Math.floor(Math.random() * 250);
    if (!used.includes(`10.78.${third}.`)) return `10.78.${third}`;
  }
  throw new Error('no free 10.78.x.0/24 subnet for the test swarm');
}

const tagOf = (dir: string) => dir.slice(-6).replace(/[^a-zA-Z0-9]/g, 'x');

/**
 * What a test process killed before it could stop its swarm left (its dockerds, namespaces,
 * bridge, forward rule and folder), by the folder's owner file: never a live process's swarm.
 */
async function sweepLeftoverSwarms(): Promise<void> {
  for (const name of readdirSync('/tmp').filter((n) => /^sw-.{6}$/.test(n))) {
    const dir = join('/tmp', name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner'), 'utf8'));
    } catch {
      continue; // being made right now, or not a test swarm's
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    for (const node of ['a', 'b']) {
      let pid = 0;
      try {
        pid = Number(readFileSync(join(dir, node, 'dockerd.pid'), 'utf8'));
      } catch {
        continue;
      }
      if (!(pid > 0) || !isAlive(pid)) continue;
      process.kill(pid, 'SIGTERM'); // it takes its containerd and mounts down with it
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    const bridge = `stsw${tagOf(dir)}`.slice(0, 15);
    for (const node of ['a', 'b']) spawnSync('ip', ['netns', 'del', `stsw${tagOf(dir)}${node}`]);
    spawnSync('ip', ['link', 'del', bridge]);
    spawnSync('iptables', ['-D', 'FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT']);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a mount its killed dockerd left: the folder stays, the rest is gone
    }
  }
}

export async function startOwnSwarm(images: string[]): Promise<OwnSwarm> {
  await sweepLeftoverSwarms();
  const dir = await mkdtemp('/tmp/sw-'); // short: a unix socket's path has a length limit
  await writeFile(join(dir, 'owner'), String(process.pid)); // what sweepLeftoverSwarms goes by
  const tag = tagOf(dir);
  const subnet = freeSubnet();
  const bridge = `stsw${tag}`.slice(0, 15);
  const hostAddress = `${subnet}.1`;
  const secondHostAddress = `${subnet}.254`;
  const daemons: ChildProcess[] = [];
  const forward = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    cleanups.push(() => void spawnSync('ip', ['link', 'del', bridge]));
    run('ip', ['addr', 'add', `${hostAddress}/24`, 'dev', bridge]);
    run('ip', ['addr', 'add', `${secondHostAddress}/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    // Docker's FORWARD policy is DROP, and bridged frames pass through it here (br_netfilter).
    run('iptables', ['-I', ...forward]);
    cleanups.push(() => void spawnSync('iptables', ['-D', ...forward]));

    const startNode = async (name: 'a' | 'b', index: number): Promise<Omit<SwarmNode, 'nodeId'>> => {
      const ns = `stsw${tag}${name}`;
      const address = `${subnet}.${index}`;
      run('ip', ['netns', 'add', ns]);
      cleanups.push(() => void spawnSync('ip', ['netns', 'del', ns]));
      const veth = `${bridge}${name}`.slice(-15);
      run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run('ip', ['link', 'set', veth, 'master', bridge, 'up']);
      run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostAddress]);
      const root = join(dir, name);
      const socket = join(root, 'docker.sock');
      const hostname = `swarm-node-${name}`;
      const dockerd = `dockerd --storage-driver=overlay2 --data-root=${root}/data --exec-root=${root}/exec --pidfile=${root}/dockerd.pid --host=unix://${socket}`;
      let log = '';
      const daemon = spawn('unshare', ['--uts', 'sh', '-c', `mkdir -p ${root} && hostname ${hostname} && exec nsenter --net=/var/run/netns/${ns} ${dockerd}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      daemon.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
      daemon.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
      daemons.push(daemon);
      const docker = new Docker({ socketPath: socket });
      cleanups.push(async () => {
        for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
        if (daemon.exitCode === null && daemon.signalCode === null) {
          const exited = new Promise((r) => daemon.once('exit', r));
          daemon.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
          if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
        }
      });
      for (let i = 0; i < 240 && !(existsSync(socket) && (await docker.ping().then(() => true, () => false))); i++) {
        if (daemon.exitCode !== null) throw new Error(`swarm node ${name}'s dockerd exited: ${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      if (!(await docker.ping().then(() => true, () => false))) throw new Error(`swarm node ${name}'s dockerd did not answer within 60 s: ${log}`);
      for (const image of images) {
        const copied = spawnSync('sh', ['-c', `docker save ${image} | docker -H unix://${socket} load`], { encoding: 'utf8', timeout: 180_000 });
        if (copied.status !== 0) throw new Error(`copying ${image} into swarm node ${name} failed: ${copied.stderr}`);
      }
      return { name: hostname, address, socket, docker };
    };
    const [a, b] = await Promise.all([startNode('a', 2), startNode('b', 3)]);
    // The nodes share this host's files: each one's socket under its hostname, for Swarm's {{.Node.Hostname}}.
    for (const node of [a, b]) await symlink(node.socket, join(dir, `${node.name}.sock`));
    await a.docker.swarmInit({ ListenAddr: `${a.address}:2377`, AdvertiseAddr: a.address });
    const { JoinTokens } = (await a.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
    await b.docker.swarmJoin({ ListenAddr: `${b.address}:2377`, AdvertiseAddr: b.address, RemoteAddrs: [`${a.address}:2377`], JoinToken: JoinTokens.Worker });
    cleanups.push(async () => {
      await b.docker.swarmLeave({ force: true }).catch(() => undefined);
      await a.docker.swarmLeave({ force: true }).catch(() => undefined);
    });
    // Both Ready, each labelled with its zone.
    let nodes: { ID: string; Description: { Hostname: string }; Status: { State: string }; Version: { Index: number }; Spec: Record<string, unknown> }[] = [];
    for (let i = 0; i < 120; i++) {
      nodes = (await a.docker.listNodes()) as typeof nodes;
      if (nodes.length === 2 && nodes.every((n) => n.Status.State === 'ready')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (nodes.length !== 2 || !nodes.every((n) => n.Status.State === 'ready')) throw new Error(`the test swarm's nodes are not both ready: ${JSON.stringify(nodes.map((n) => [n.Description.Hostname, n.Status.State]))}`);
    const idOf = (hostname: string) => nodes.find((n) => n.Description.Hostname === hostname)!.ID;
    for (const [node, zone] of [[a, 'a'], [b, 'b']] as const) {
      const current = nodes.find((n) => n.Description.Hostname === node.name)!;
      await a.docker.getNode(current.ID).update({ version: current.Version.Index, ...current.Spec, Labels: { zone } } as never);
    }
    const label = async (node: SwarmNode, labels: Record<string, string | null>) => {
      const current = (await a.docker.getNode(node.nodeId).inspect()) as { Version: { Index: number }; Spec: { Labels?: Record<string, string> } };
      const next = { ...current.Spec.Labels };
      for (const [key, value] of Object.entries(labels)) {
        if (value === null) delete next[key];
        else next[key] = value;
      }
      await a.docker.getNode(node.nodeId).update({ version: current.Version.Index, ...current.Spec, Labels: next } as never);
    };
    return { manager: { ...a, nodeId: idOf(a.name) }, worker: { ...b, nodeId: idOf(b.name) }, hostAddress, secondHostAddress, endpoint: `unix://${a.socket}`, nodeSocket: join(dir, '{{.Node.Hostname}}.sock'), label, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
