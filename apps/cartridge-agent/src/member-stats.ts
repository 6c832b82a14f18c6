/**
 * The member's own load and memory, never the host's: in a container, from its cgroup (v2, else
 * v1); elsewhere (a local member, which shares the host's cgroup), from the agent's process tree —
 * itself and everything it started. Load is CPU use as a share of the member's CPU limit (one core
 * where it has none), memory is usage as a share of its memory limit (the host's memory where it
 * has none), both in percent, as Stratos's `loadAverage` and `memoryConsumption` were.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** What one reading found: cumulative CPU time, memory in use now, and the limits (null: none). */
export interface ResourceReading {
  /** Milliseconds since the epoch. */
  at: number;
  cpuMicros: number;
  memoryBytes: number;
  cpuLimitCores: number | null;
  memoryLimitBytes: number | null;
}

export interface MemberLoad {
  /** CPU used since the previous reading, as a percentage of the limit (or of one core). */
  loadPercent: number;
  /** Memory in use, as a percentage of the limit (or of the host's memory). */
  memoryPercent: number;
}

/** cgroup v2 `cpu.max` ("max 100000", "50000 100000"): the cores it may use, or null for no limit. */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  const cores = Number(quota) / Number(period ?? 100000);
  return Number.isFinite(cores) && cores > 0 ? cores : null;
}

/** cgroup v2 `cpu.stat`: its `usage_usec`. */
export function parseCpuStatUsage(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('usage_usec '));
  const value = Number(line?.split(/\s+/)[1]);
  if (!Number.isFinite(value)) throw new Error('cpu.stat has no usage_usec');
  return value;
}

/** A memory limit file (v2 `memory.max`: "max" or bytes; v1 `memory.limit_in_bytes`: a huge number for none): bytes, or null. */
export function parseMemoryLimit(text: string): number | null {
  const value = text.trim();
  if (value === 'max') return null;
  const bytes = Number(value);
  return Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60 ? bytes : null;
}

/** cgroup v1 CFS quota and period (quota -1: none). */
export function parseCfsQuota(quota: string, period: string): number | null {
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return q > 0 && p > 0 ? q / p : null;
}

/** `/proc/<pid>/stat`'s user and system CPU ticks (its own and its reaped children's), resident pages and parent (the name may hold spaces and brackets). */
export function parseProcStat(text: string): { ticks: number; rssPages: number; parent: number } {
  const fields = text.replace(/^.*\) /s, '').split(' ');
  // utime + stime, and cutime + cstime: the children it has reaped. An ended child's CPU stays in the tree (in its
  // parent's), so the tree's total never goes back when a process of the member exits.
  return { ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]), rssPages: Number(fields[21]), parent: Number(fields[1]) };
}

/** Percentages from two readings (the earlier may be null: no load known yet). */
export function memberLoad(previous: ResourceReading | null, now: ResourceReading, hostMemoryBytes: number): MemberLoad {
  const elapsedMicros = previous ? (now.at - previous.at) * 1000 : 0;
  const used = previous && elapsedMicros > 0 ? Math.max(0, now.cpuMicros - previous.cpuMicros) / elapsedMicros : 0;
  const loadPercent = (used / (now.cpuLimitCores ?? 1)) * 100;
  const memoryPercent = (now.memoryBytes / (now.memoryLimitBytes ?? hostMemoryBytes)) * 100;
  const round = (value: number) => Math.round(Math.max(0, value) * 10) / 10;
  return { loadPercent: round(loadPercent), memoryPercent: round(memoryPercent) };
}

const read = (path: string) => readFileSync(path, 'utf8');

function getconf(name: string, fallback: number): number {
  const value = Number(spawnSync('getconf', [name], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * A reader of the member's resources, chosen once: its container's cgroup (`own: 'cgroup'`, where
 * the member is the container), else the process tree under `root` (the agent's pid) — a local
 * member shares the cgroup of whatever runs the platform, which may itself be a container.
 */
export function memberResourceReader(own: 'cgroup' | 'process tree', root = process.pid): { source: string; read: () => ResourceReading } {
  const inContainer = own === 'cgroup';
  const cg = '/sys/fs/cgroup';
  if (inContainer && existsSync(`${cg}/cgroup.controllers`)) {
    return {
      source: 'cgroup v2',
      read: () => ({
        at: Date.now(),
        cpuMicros: parseCpuStatUsage(read(`${cg}/cpu.stat`)),
        memoryBytes: Number(read(`${cg}/memory.current`).trim()),
        cpuLimitCores: existsSync(`${cg}/cpu.max`) ? parseCpuMax(read(`${cg}/cpu.max`)) : null,
        memoryLimitBytes: parseMemoryLimit(read(`${cg}/memory.max`)),
      }),
    };
  }
  if (inContainer && existsSync(`${cg}/cpuacct/cpuacct.usage`)) {
    return {
      source: 'cgroup v1',
      read: () => ({
        at: Date.now(),
        cpuMicros: Number(read(`${cg}/cpuacct/cpuacct.usage`).trim()) / 1000,
        memoryBytes: Number(read(`${cg}/memory/memory.usage_in_bytes`).trim()),
        cpuLimitCores: existsSync(`${cg}/cpu/cpu.cfs_quota_us`) ? parseCfsQuota(read(`${cg}/cpu/cpu.cfs_quota_us`), read(`${cg}/cpu/cpu.cfs_period_us`)) : null,
        memoryLimitBytes: parseMemoryLimit(read(`${cg}/memory/memory.limit_in_bytes`)),
      }),
    };
  }
  const ticksPerSecond = getconf('CLK_TCK', 100);
  const pageBytes = getconf('PAGESIZE', 4096);
  return {
    source: 'process tree',
    read: () => {
      // Every process and its parent, then the tree under the agent: its workload in whatever process group.
      const all = new Map<number, { ticks: number; rssPages: number; parent: number }>();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          all.set(Number(entry), parseProcStat(read(`/proc/${entry}/stat`)));
        } catch {
          // gone meanwhile
        }
      }
      const children = new Map<number, number[]>();
      for (const [pid, p] of all) children.set(p.parent, [...(children.get(p.parent) ?? []), pid]);
      let ticks = 0;
      let pages = 0;
      const tree = all.has(root) ? [root] : [];
      for (let i = 0; i < tree.length; i++) {
        const p = all.get(tree[i])!;
        ticks += p.ticks;
        pages += p.rssPages;
        tree.push(...(children.get(tree[i]) ?? []));
      }
      // CPU of children that ended is not counted (it is in their parents' cutime): a member's long-lived processes are what loads it.
      return { at: Date.now(), cpuMicros: (ticks * 1e6) / ticksPerSecond, memoryBytes: pages * pageBytes, cpuLimitCores: null, memoryLimitBytes: null };
    },
  };
}

/** Readings one after another, each report's load measured since the one before. */
export class MemberStats {
  private previous: ResourceReading | null = null;
  private readonly reader: ReturnType<typeof memberResourceReader>;

  constructor(reader: ReturnType<typeof memberResourceReader>) {
    this.reader = reader;
    try {
      this.previous = reader.read();
    } catch {
      this.previous = null;
    }
  }

  get source(): string {
    return this.reader.source;
  }

  /** The load since the last call (the first: since the agent started) and the memory now; zeros where nothing could be read. */
  sample(): MemberLoad {
    try {
      const now = this.reader.read();
      const load = memberLoad(this.previous, now, totalmem());
      this.previous = now;
      return load;
    } catch {
      return { loadPercent: 0, memoryPercent: 0 };
    }
  }
}
