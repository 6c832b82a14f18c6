/** CPU and memory of other processes, from /proc (Linux), for benchmarks that print them per process. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** The fields of /proc/<pid>/stat from the 3rd on (after the command's parentheses). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds a process has used (user + system), and what its reaped children used. */
export function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
}

/** Resident memory now and at its peak (bytes). */
export function processMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** CPU seconds used so far by PostgreSQL: the postmaster (and what it reaped) and its live backends. */
export function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let seconds = processCpuSeconds(postmaster);
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === postmaster) seconds += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // gone meanwhile
    }
  }
  return seconds;
}

/** CPU seconds (user, system) a process's threads have used, summed by thread name (node: its main thread; libuv-worker; V8 workers…). */
export function threadCpuSeconds(pid: number | 'self' = 'self'): Map<string, { user: number; system: number }> {
  const byName = new Map<string, { user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '').trim();
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sum = byName.get(name) ?? { user: 0, system: 0 };
      sum.user += Number(f[11]) / TICKS_PER_SECOND;
      sum.system += Number(f[12]) / TICKS_PER_SECOND;
      byName.set(name, sum);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}
