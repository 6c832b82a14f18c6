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

/** The environment a member's agent was started with (its launch payload); null when no process of it runs. */
export function memberEnvFromProc(memberId: string): Record<string, string> | null {
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--member=${memberId}`)) continue;
      const env = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      if (env.MB_PASSWORD) return env;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** MB_URLS, MB_USERNAME and MB_PASSWORD as a member's agent was started with them: the most a workload of its own (same user) can read. */
export function brokerCredentialsFromProc(memberId: string): { url: string; username: string; password: string } {
  const env = memberEnvFromProc(memberId);
  if (!env) throw new Error(`no process of member ${memberId} holds broker credentials`);
  return { url: env.MB_URLS.split(',')[0], username: env.MB_USERNAME, password: env.MB_PASSWORD };
}
