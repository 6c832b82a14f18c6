/**
 * Members as detached child processes on this machine, for a machine with no container
 * engine (and Stratos's `mock` provider). Each member runs the cartridge agent; a folder per
 * member under STRATOS_HOME/members holds its record and log, so a restarted controller
 * finds its members again. Each member has a loopback address of its own (in the platform's
 * block of 127.0.0.0/8), where it keeps its declared ports (a port it cannot have there is
 * mapped to a free one).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MEMBER_IP_KEY, PORT_MAPPINGS_KEY, type ActualInstance, type IaasDriver, type LaunchedInstance, type LaunchSpec, type VolumeStore } from '../iaas-driver';
import { isAlive } from '@stratos/runtime';
import { claimLoopbackAddress, loopbackBlockOf, lowestUnprivilegedPort } from '../ports';
import { giveTree, LOCAL_MEMBER_USER_NAME, memberAccounts, memberUidOf } from './member-user';
import { sandboxArgs, sandboxAvailable } from './member-sandbox';

interface PidFile {
  memberId: string;
  clusterId: string;
  applicationId: string;
  pid: number;
  startedAt: string;
  /** Its own loopback address (absent in records written before members had one). */
  ip?: string;
  /** The user it runs as, where the controller is root (member-user.ts). */
  uid?: number;
}

export interface LocalDriverOptions {
  /** Folder of the member folders (STRATOS_HOME/members). */
  membersDir: string;
  /** Folder of the members' persistent volumes, by cluster and slot (STRATOS_HOME/volumes). */
  volumesDir: string;
  /** auto: each member in its own filesystem where bubblewrap runs; off: members share the host's. */
  sandbox?: 'auto' | 'off';
  /** The cartridge agent's entry file (dist/apps/cartridge-agent/src/main.js). */
  agentEntry: string;
  /** Its name in the controller's registry: `local`, or `local@<region>` for a region's folder. */
  name?: string;
  /** The block of 127.0.0.0/8 its members' addresses are in (default: one from membersDir); regions on one machine are given distinct ones. */
  loopbackBlock?: number;
}

/** Written whole or not at all (a reader never sees half a file): write beside, then rename. */
async function writeRecord(dir: string, record: PidFile): Promise<void> {
  const staged = join(dir, `.member.json.${process.pid}`);
  await writeFile(staged, JSON.stringify(record, null, 2));
  await rename(staged, join(dir, 'member.json'));
}

/**
 * What tells one record file from the one it replaced (records are replaced whole: written
 * beside, then renamed). Another process's rewrite is seen by it; the driver's own writes update
 * its cache directly, as file times are only as fine as the kernel's clock tick.
 */
function recordVersion(file: string): string {
  const stat = statSync(file);
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/**
 * The pid of the agent of a member, from the command lines in /proc: the leader of its process
 * group (bubblewrap, when the member is sandboxed, whose command line holds the agent's too).
 */
async function findAgent(memberId: string): Promise<number | null> {
  return (await memberProcesses(memberId)).find((p) => p.pid === p.group)?.pid ?? null;
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // gone already
  }
}

/** Every process whose command line names the member, with its process group. */
async function memberProcesses(memberId: string): Promise<{ pid: number; group: number }[]> {
  if (!existsSync('/proc/self')) return [];
  const found: { pid: number; group: number }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!(await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').includes(`--member=${memberId}`)) continue;
      const group = Number((await readFile(`/proc/${entry}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ')[2]);
      found.push({ pid: Number(entry), group });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Between fork and exec a new child still shows its parent's command line. */
const EXEC_GRACE_MS = 10_000;

/**
 * The process is still the agent of that member (not a pid reused by something else). Read
 * synchronously: a few microseconds from procfs, where an asynchronous read is four trips through
 * libuv's thread pool — for every member at every pass, most of an idle platform's cost.
 */
async function isAgentOf(record: PidFile): Promise<boolean> {
  if (!Number.isInteger(record.pid) || record.pid <= 0 || !isAlive(record.pid)) return false; // -1: not started yet
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(`--member=${record.memberId}`) || Date.now() - Date.parse(record.startedAt) < EXEC_GRACE_MS;
  } catch {
    return !existsSync('/proc/self'); // with /proc, a missing entry means the process just ended; without it, trust the pid
  }
}

const safeName = (name: string) => name.replace(/[^a-zA-Z0-9_.-]/g, '_');

export class LocalProcessDriver implements IaasDriver {
  private readonly exitListeners: ((instanceId: string) => void)[] = [];
  /** Member records by folder name, as last read, with the file's inode and mtime. */
  private readonly recordCache = new Map<string, { version: string; record: PidFile }>();
  readonly name: string;

  constructor(private readonly options: LocalDriverOptions) {
    this.name = options.name ?? 'local';
  }

  async health(): Promise<{ answers: boolean; reason?: string }> {
    try {
      await mkdir(this.options.membersDir, { recursive: true });
      return { answers: true };
    } catch (error) {
      return { answers: false, reason: (error as Error).message };
    }
  }

  /** Whether members get a filesystem of their own (bubblewrap), or share the host's. */
  sandboxed(): boolean {
    return this.options.sandbox !== 'off' && sandboxAvailable();
  }

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    if (!existsSync(this.options.agentEntry)) throw new Error(`the cartridge agent is not built (${this.options.agentEntry}); run npm run build`);
    const dir = join(this.options.membersDir, spec.memberId);
    // Where the controller is root, the member runs as a user of its own (member-user.ts), which may not listen below 1024.
    const unprivileged = process.getuid?.() === 0 && (spec.limits?.user ?? 'member') === 'member';
    const taken = new Set((await this.records()).map((r) => r.ip).filter((a): a is string => !!a));
    const { ip, ports } = await claimLoopbackAddress(taken, spec.ports, this.options.loopbackBlock ?? loopbackBlockOf(this.options.membersDir), unprivileged ? lowestUnprivilegedPort() : 0);
    const uid = unprivileged ? memberUidOf(ip) : null;
    await mkdir(dir, { recursive: true });
    // Recorded before the spawn (pid unknown): a crash in between leaves a record to clean up, not a stray folder.
    const launching: PidFile = { memberId: spec.memberId, clusterId: spec.clusterId, applicationId: spec.applicationId, pid: -1, startedAt: new Date().toISOString(), ip, ...(uid !== null ? { uid } : {}) };
    await this.saveRecord(dir, launching);
    // The member's own `/` (see member-sandbox.ts), and its volumes: folders of its cluster slot, so a replacement gets the data.
    const root = join(dir, 'root');
    for (const tmp of ['tmp', 'var/tmp']) {
      await mkdir(join(root, tmp), { recursive: true });
      await chmod(join(root, tmp), 0o1777);
    }
    const volumes = [];
    for (const volume of spec.volumes ?? []) {
      const source = this.volumeDir({ clusterId: spec.clusterId, slot: spec.slot, volumeId: volume.id });
      await mkdir(source, { recursive: true });
      volumes.push({ source, target: volume.mappingPath });
    }
    const sandboxed = this.sandboxed();
    if (!sandboxed) {
      for (const volume of volumes) {
        const link = join(root, volume.target);
        await mkdir(dirname(link), { recursive: true });
        await symlink(volume.source, link).catch(() => undefined);
      }
    }
    const files = [];
    if (uid !== null) {
      await mkdir(join(root, 'home', LOCAL_MEMBER_USER_NAME), { recursive: true });
      for (const path of [root, ...volumes.map((v) => v.source)]) await giveTree(path, uid);
      const accounts = memberAccounts(uid);
      for (const name of ['passwd', 'group'] as const) {
        await writeFile(join(dir, name), accounts[name], { mode: 0o644 });
        files.push({ source: join(dir, name), target: `/etc/${name}` });
      }
      // Sharing the host's filesystem, it must be able to pass through the platform's folders to its own (their files stay root's, 0600).
      if (!sandboxed) for (const path of [dirname(resolve(this.options.membersDir)), this.options.membersDir, dir, this.options.volumesDir]) await chmod(path, 0o711);
    }
    const agent = [process.execPath, this.options.agentEntry, `--member=${spec.memberId}`];
    // In the sandbox bubblewrap (root) mounts, then setpriv becomes the member's user with no capabilities and no way back.
    const asMember = uid !== null ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'] : [];
    const [command, ...args] = sandboxed ? ['bwrap', ...sandboxArgs({ root, agentEntry: this.options.agentEntry, volumes, files, hidden: [dirname(resolve(this.options.membersDir))] }), '--', ...asMember, ...agent] : [...asMember, ...agent];
    const log = openSync(join(dir, 'agent.log'), 'a');
    try {
      const child = spawn(command, args, {
        cwd: sandboxed ? '/' : root,
        detached: true, // its own process group: outlives the controller, and is stopped as a whole
        stdio: ['ignore', log, log],
        // STRATOS_ROOT: what is `/` for the member's config (its root folder, when it shares the host's filesystem).
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: uid !== null ? (sandboxed ? `/home/${LOCAL_MEMBER_USER_NAME}` : join(root, 'home', LOCAL_MEMBER_USER_NAME)) : sandboxed ? '/root' : root,
          ...spec.env,
          STRATOS_ROOT: sandboxed ? '/' : root,
          [MEMBER_IP_KEY]: ip,
          [PORT_MAPPINGS_KEY]: JSON.stringify(ports),
        },
      });
      if (!child.pid) throw new Error('the agent process did not start');
      const instanceId = String(child.pid);
      child.once('exit', () => this.exitListeners.forEach((listener) => listener(instanceId)));
      child.unref();
      const pidFile: PidFile = { ...launching, pid: child.pid, startedAt: new Date().toISOString() };
      await this.saveRecord(dir, pidFile);
      return { instanceId: String(child.pid), host: ip, ports };
    } finally {
      closeSync(log);
    }
  }

  /** Writes a member's record and remembers it as written (a rewrite within the clock's tick may keep inode and mtime). */
  private async saveRecord(dir: string, record: PidFile): Promise<void> {
    await writeRecord(dir, record);
    this.recordCache.set(basename(dir), { version: recordVersion(join(dir, 'member.json')), record: { ...record } });
  }

  onInstanceExit(listener: (instanceId: string) => void): void {
    this.exitListeners.push(listener);
  }

  /**
   * SIGTERM to the member's process group, then SIGKILL to whatever of it is left after graceMs.
   * "Left" is every process whose command line names the member (the agent, also when its
   * sandbox's monitor was killed alone) and the process groups they lead or belong to.
   */
  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    const record = (await this.records()).find((r) => String(r.pid) === instanceId);
    if (!record) return;
    const pid = record.pid;
    // Checked once: from here on a pid that still exists (a zombie not reaped yet included) is this member's.
    const ours = Number.isInteger(pid) && pid > 0 && (await isAgentOf(record));
    if (ours) signal(-pid, 'SIGTERM');
    const remaining = async () => [...(ours && isAlive(pid) ? [{ pid, group: pid }] : []), ...(await memberProcesses(record.memberId))];
    const deadline = Date.now() + options.graceMs;
    while ((await remaining()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const left of await remaining()) {
      signal(-left.group, 'SIGKILL');
      signal(left.pid, 'SIGKILL');
    }
    await rm(join(this.options.membersDir, record.memberId), { recursive: true, force: true });
  }

  async logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }> {
    const record = (await this.records()).find((r) => String(r.pid) === instanceId);
    if (!record) throw new Error(`no local instance ${instanceId}`);
    const path = join(this.options.membersDir, record.memberId, 'agent.log');
    if (!existsSync(path)) return { text: '', cursor: '0' };
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const from = options.cursor !== undefined && /^\d+$/.test(options.cursor) ? Math.min(Number(options.cursor), size) : Math.max(0, size - options.tailBytes);
      const length = Math.min(size - from, 4 * 1024 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, from);
      return { text: buffer.toString('utf8'), cursor: String(from + length) };
    } finally {
      await handle.close();
    }
  }

  private volumeDir(ref: { clusterId: string; slot: number; volumeId: string }): string {
    return join(this.options.volumesDir, safeName(ref.clusterId), `slot-${ref.slot}`, safeName(ref.volumeId));
  }

  /** A volume is a folder: its contents as a tar stream (GNU tar, owners and modes kept), and back. */
  readonly volumes: VolumeStore = {
    read: async (ref) => {
      const dir = this.volumeDir(ref);
      await mkdir(dir, { recursive: true });
      const tar = spawn('tar', ['-C', dir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      tar.once('exit', (code) => {
        if (code !== 0) tar.stdout.destroy(new Error(`tar of ${dir}: ${stderr.trim() || `exit ${code}`}`));
      });
      return tar.stdout;
    },
    write: async (ref, archive) => {
      const dir = this.volumeDir(ref);
      await rm(dir, { recursive: true, force: true }); // replaced, not merged
      await mkdir(dir, { recursive: true });
      const tar = spawn('tar', ['-C', dir, '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => tar.once('close', resolve));
      await pipeline(archive, tar.stdin);
      const code = await exited;
      if (code !== 0) throw new Error(`unpacking into ${dir}: ${stderr.trim() || `tar exit ${code}`}`);
    },
    remove: async (ref) => {
      await rm(this.volumeDir(ref), { recursive: true, force: true });
    },
  };

  async removeVolumes(clusterId: string, volumeIds: string[]): Promise<void> {
    const clusterDir = join(this.options.volumesDir, safeName(clusterId));
    if (!existsSync(clusterDir)) return;
    for (const slot of await readdir(clusterDir)) for (const id of volumeIds) await rm(join(clusterDir, slot, safeName(id)), { recursive: true, force: true });
  }

  async list(): Promise<ActualInstance[]> {
    return Promise.all(
      (await this.records()).map(async (r) => ({ instanceId: String(r.pid), memberId: r.memberId, clusterId: r.clusterId, applicationId: r.applicationId, running: await isAgentOf(r) })),
    );
  }

  /** The local driver runs the cartridge agent itself: any image id will do. */
  async imageExists(): Promise<boolean> {
    return true;
  }

  /**
   * The member folders; a launch a crash interrupted has pid -1, resolved from /proc where its agent did start.
   * A record is read again only when its file changed (its mtime): every pass lists them all.
   */
  private async records(): Promise<PidFile[]> {
    if (!existsSync(this.options.membersDir)) return [];
    const out: PidFile[] = [];
    const names = await readdir(this.options.membersDir);
    const present = new Set(names);
    for (const name of this.recordCache.keys()) if (!present.has(name)) this.recordCache.delete(name);
    for (const name of names) {
      let record: PidFile;
      try {
        const file = join(this.options.membersDir, name, 'member.json');
        const version = recordVersion(file);
        const cached = this.recordCache.get(name);
        if (cached?.version === version) record = { ...cached.record };
        else {
          record = JSON.parse(await readFile(file, 'utf8')) as PidFile;
          this.recordCache.set(name, { version, record: { ...record } });
        }
      } catch {
        if (!existsSync(join(this.options.membersDir, name))) continue; // removed meanwhile
        // No readable record (a controller killed before writing one): the folder names the member.
        record = { memberId: name, clusterId: '', applicationId: '', pid: -1, startedAt: new Date(0).toISOString() };
      }
      if (record.pid === -1) record.pid = (await findAgent(record.memberId)) ?? -1;
      out.push(record);
    }
    return out;
  }
}
