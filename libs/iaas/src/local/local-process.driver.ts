/**
 * Members as detached child processes on this machine, for a machine with no container
 * engine (and Stratos's `mock` provider). Each member runs the cartridge agent; a folder per
 * member under STRATOS_HOME/members holds its record and log, so a restarted controller
 * finds its members again. Each member has a loopback address of its own (in the platform's
 * block of 127.0.0.0/8), where it keeps its declared ports (a port it cannot have there is
 * mapped to a free one).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, lchownSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MEMBER_IP_KEY, PORT_MAPPINGS_KEY, type ActualInstance, type IaasDriver, type LaunchedInstance, type LaunchSpec, type VolumeEntry, type VolumeStore } from '../iaas-driver';
import { isAlive } from '@stratos/runtime';
import { claimLoopbackAddress, loopbackBlockOf, lowestUnprivilegedPort } from '../ports';
import { giveTree, LOCAL_MEMBER_USER_NAME, memberAccounts, memberUidOf } from './member-user';
import { LocalImageStore } from './local-images';
import { hostProgram, sandboxArgs, sandboxAvailable, type SandboxMount } from './member-sandbox';

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
  /** Folder of its images, directory trees (default: `images` beside membersDir). */
  imagesDir?: string;
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
async function findAgent(memberId: string, driverName: string): Promise<number | null> {
  return (await memberProcesses(memberId, driverName)).find((p) => p.pid === p.group)?.pid ?? null;
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // gone already
  }
}

/**
 * A process and every process descended from it, with each one's state (R, S, T: stopped…) and
 * process group. Read synchronously: a freeze waits on it, and /proc read file by file through
 * libuv's thread pool takes a tenth of a second with a few hundred processes.
 */
function processTree(root: number): ProcessEntry[] {
  const all = new Map<number, ProcessEntry & { parent: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = readProcess(Number(entry));
    if (found) all.set(found.pid, found);
  }
  const children = new Map<number, number[]>();
  for (const p of all.values()) children.set(p.parent, [...(children.get(p.parent) ?? []), p.pid]);
  const found = all.has(root) ? [all.get(root)!] : [];
  for (let i = 0; i < found.length; i++) for (const child of children.get(found[i].pid) ?? []) found.push(all.get(child)!);
  return found;
}

interface ProcessEntry {
  pid: number;
  group: number;
  state: string;
  /** Clock ticks after boot: with the pid, names one process (a pid is reused, never with the same start). */
  started: string;
}

function readProcess(pid: number): (ProcessEntry & { parent: number }) | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return { pid, state: fields[0], parent: Number(fields[1]), group: Number(fields[2]), started: fields[19] };
  } catch {
    return null; // gone meanwhile
  }
}

/** Whether a process seen before still runs (a zombie has ended: its files and sockets are closed). */
function stillRuns(seen: ProcessEntry): boolean {
  const now = readProcess(seen.pid);
  return now !== null && now.started === seen.started && !/^[ZX]/.test(now.state);
}

/** Gives a folder and everything in it to an owner, where it differs (synchronously: a live migration's frozen round waits on it). */
function giveAll(dir: string, owner: { uid: number; gid: number }): void {
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.uid !== owner.uid || stat.gid !== owner.gid) lchownSync(path, owner.uid, owner.gid);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
}

/**
 * Every process whose command line names the member in this driver's region (`--in=<driver>`;
 * none: an agent started before regions said so), with its process group. A member migrated live
 * has an agent in two regions for a moment: each driver sees its own.
 */
async function memberProcesses(memberId: string, driverName: string): Promise<{ pid: number; group: number }[]> {
  if (!existsSync('/proc/self')) return [];
  const found: { pid: number; group: number }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (!args.includes(`--member=${memberId}`)) continue;
      const region = args.find((a) => a.startsWith('--in='));
      if (region !== undefined && region !== `--in=${driverName}`) continue;
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
  /**
   * Agents this process started whose exit it has not seen: running, and still theirs (a child's
   * pid is not given to another process before Node reaps it and says so) — listed at every pass
   * without reading /proc. Members adopted from an earlier controller are checked in /proc.
   */
  private readonly runningChildren = new Set<number>();
  /** Member records by folder name, as last read, with the file's inode and mtime. */
  private readonly recordCache = new Map<string, { version: string; record: PidFile }>();
  readonly name: string;

  /** Its region's images: directory trees a member may run on instead of the host's system. */
  readonly images: LocalImageStore;

  constructor(private readonly options: LocalDriverOptions) {
    this.name = options.name ?? 'local';
    this.images = new LocalImageStore(options.imagesDir ?? join(dirname(resolve(options.membersDir)), 'images'));
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
    const volumes: SandboxMount[] = [];
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
    const files: SandboxMount[] = [];
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
    // A local image (a directory tree) is the member's system in place of the host's; the agent and setpriv, the host's, run on the host's libraries.
    const image = this.images.treeOf(spec.imageId) ?? undefined;
    if (image && !sandboxed) throw new Error(`image ${spec.imageId} is a directory tree: a member runs on it only in its own filesystem, which needs bubblewrap (apt-get install bubblewrap; STRATOS_LOCAL_SANDBOX not off)`);
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? 'setpriv';
    const agent = [...hostProgram(process.execPath, !!image), this.options.agentEntry, `--member=${spec.memberId}`, `--in=${this.name}`];
    // In the sandbox bubblewrap (root) mounts, then setpriv becomes the member's user with no capabilities and no way back.
    const asMember = uid !== null ? [...hostProgram(setpriv, !!image), `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'] : [];
    const sandbox = () => sandboxArgs({ root, agentEntry: this.options.agentEntry, volumes, files, hidden: [dirname(resolve(this.options.membersDir))], image, hostPrograms: [process.execPath, setpriv] });
    const [command, ...args] = sandboxed ? ['bwrap', ...sandbox(), '--', ...asMember, ...agent] : [...asMember, ...agent];
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
      this.runningChildren.add(child.pid);
      child.once('exit', () => {
        this.runningChildren.delete(child.pid!);
        this.exitListeners.forEach((listener) => listener(instanceId));
      });
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
   * sandbox's monitor was killed alone), the process groups they lead or belong to, and every
   * process descended from the agent when it was asked to stop — its workload's too, in whatever
   * group, and also once the agent has ended and they were handed to init: a database outliving
   * its agent would go on writing to a volume a migration is copying.
   */
  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    const record = (await this.records()).find((r) => String(r.pid) === instanceId);
    if (!record) return;
    const pid = record.pid;
    // Checked once: from here on a pid that still exists (a zombie not reaped yet included) is this member's.
    const ours = Number.isInteger(pid) && pid > 0 && (await isAgentOf(record));
    // The tree is read whole (all of /proc, synchronously) once here and once before the kill, never
    // while waiting: many members stopping at once would each block the controller every 50 ms.
    const tree = ours ? processTree(pid) : [];
    if (ours) signal(-pid, 'SIGTERM');
    const remaining = async () => [...(ours && isAlive(pid) ? [{ pid, group: pid }] : []), ...tree.filter(stillRuns), ...(await memberProcesses(record.memberId, this.name))];
    const deadline = Date.now() + options.graceMs;
    while ((await remaining()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // What it forked while it stopped (while the agent lives, still under it).
    for (const p of ours && isAlive(pid) ? processTree(pid) : []) if (!tree.some((t) => t.pid === p.pid && t.started === p.started)) tree.push(p);
    for (const left of await remaining()) {
      if (left.group > 1 && left.group !== readProcess(process.pid)?.group) signal(-left.group, 'SIGKILL'); // never the controller's own group
      signal(left.pid, 'SIGKILL');
    }
    // SIGKILL takes effect at once but a process's memory and files are let go a moment later: wait for that.
    const killedBy = Date.now() + 5000;
    while ((await remaining()).length > 0 && Date.now() < killedBy) await new Promise((r) => setTimeout(r, 20));
    await rm(join(this.options.membersDir, record.memberId), { recursive: true, force: true });
  }

  /**
   * SIGSTOP to the agent and every process descended from it (its workload's too, in whatever
   * process group), until each is seen stopped: one forked meanwhile is caught by the next sweep.
   */
  async freeze(instanceId: string): Promise<void> {
    const record = (await this.records()).find((r) => String(r.pid) === instanceId);
    if (!record || !(await isAgentOf(record))) throw new Error(`no running local instance ${instanceId}`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const tree = processTree(record.pid);
      for (const group of new Set(tree.map((p) => p.group))) signal(-group, 'SIGSTOP');
      for (const p of tree) signal(p.pid, 'SIGSTOP');
      const running = processTree(record.pid).filter((p) => !/^[TtZX]/.test(p.state));
      if (running.length === 0) return;
      if (Date.now() > deadline) throw new Error(`member ${record.memberId}: processes ${running.map((p) => p.pid).join(', ')} did not stop`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async thaw(instanceId: string): Promise<void> {
    const record = (await this.records()).find((r) => String(r.pid) === instanceId);
    if (!record) return;
    for (const p of processTree(record.pid)) signal(p.pid, 'SIGCONT');
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
    read: async (ref, options = {}) => {
      const dir = this.volumeDir(ref);
      await mkdir(dir, { recursive: true });
      // Read while the member may run (a live migration): a file changed or gone meanwhile is no error (GNU tar's exit 1).
      const quiet = ['--ignore-failed-read', '--warning=no-file-changed', '--warning=no-file-removed', '--warning=no-file-shrank'];
      const what = options.only ? ['--null', '--no-recursion', '-T', '-'] : ['.'];
      const tar = spawn('tar', ['-C', dir, ...quiet, '-cf', '-', ...what], { stdio: [options.only ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (options.only) {
        tar.stdin!.on('error', () => undefined); // a tar that fails early says why in its exit
        tar.stdin!.end(options.only.map((name) => `${name}\0`).join(''));
      }
      let stderr = '';
      tar.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      tar.once('exit', (code) => {
        if (code !== 0 && code !== 1) tar.stdout!.destroy(new Error(`tar of ${dir}: ${stderr.trim() || `exit ${code}`}`));
      });
      return tar.stdout!;
    },
    // Synchronously: a live migration's frozen round waits on this, and a thousand lstats through
    // libuv's thread pool one by one take ten times as long (measured: 250 ms against 20 ms).
    list: async (ref) => {
      const dir = this.volumeDir(ref);
      const entries = new Map<string, VolumeEntry>();
      const visit = (name: string) => {
        const path = name === '.' ? dir : join(dir, name);
        let stat;
        try {
          stat = lstatSync(path);
        } catch {
          return; // gone meanwhile
        }
        const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other';
        let linkname = '';
        if (type === 'symlink') {
          try {
            linkname = readlinkSync(path);
          } catch {
            // gone meanwhile
          }
        }
        entries.set(name, { type, size: type === 'file' ? stat.size : 0, mtimeS: Math.floor(stat.mtimeMs / 1000), mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, linkname });
        if (type !== 'directory') return;
        let children: string[] = [];
        try {
          children = readdirSync(path).sort();
        } catch {
          // gone meanwhile
        }
        for (const child of children) visit(name === '.' ? child : `${name}/${child}`);
      };
      visit('.');
      return entries;
    },
    write: async (ref, archive, options = {}) => {
      const dir = this.volumeDir(ref);
      if (!options.merge) await rm(dir, { recursive: true, force: true }); // replaced, not merged
      for (const path of options.remove ?? []) {
        const target = resolve(dir, path);
        if (!target.startsWith(`${dir}/`)) throw new Error(`"${path}" is not a path inside the volume`);
        await rm(target, { recursive: true, force: true });
      }
      await mkdir(dir, { recursive: true });
      const owner = options.merge && process.getuid?.() === 0 ? lstatSync(dir) : null; // before the archive's `.` says otherwise
      const tar = spawn('tar', ['-C', dir, '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => tar.once('close', resolve));
      await pipeline(archive, tar.stdin);
      const code = await exited;
      if (code !== 0) throw new Error(`unpacking into ${dir}: ${stderr.trim() || `tar exit ${code}`}`);
      // Merged into a volume its member may hold already (a live migration's target, launched on hold):
      // what came in is its user's, as the launch made the rest (the source's member had a uid of its own).
      if (owner) giveAll(dir, owner);
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
      (await this.records()).map(async (r) => ({ instanceId: String(r.pid), memberId: r.memberId, clusterId: r.clusterId, applicationId: r.applicationId, running: this.runningChildren.has(r.pid) || (await isAgentOf(r)) })),
    );
  }

  async holdsHere(memberId: string): Promise<boolean> {
    return (await this.records()).some((r) => r.memberId === memberId);
  }

  /** The local driver runs the cartridge agent itself: any image id will do (one of its images is a tree to run on; any other, the host's system). */
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
      if (record.pid === -1) record.pid = (await findAgent(record.memberId, this.name)) ?? -1;
      out.push(record);
    }
    return out;
  }
}
