import { readdirSync, readFileSync } from 'node:fs';

/** Member ids of the live agent processes whose --member= starts with `prefix` (a sandboxed member has a monitor too: ids, not pids). */
export function liveMemberIds(prefix: string): Set<string> {
  const ids = new Set<string>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      for (const arg of readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')) if (arg.startsWith(`--member=${prefix}`)) ids.add(arg.slice('--member='.length));
    } catch {
      // gone meanwhile
    }
  }
  return ids;
}
