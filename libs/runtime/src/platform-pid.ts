/**
 * STRATOS_HOME/platform.pid: the launcher (npm start) that runs on a home, so that host-side
 * commands (secrets rotate) know whether it is there to act at once.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './processes';

const file = (home: string) => join(home, 'platform.pid');

/** Marks the home as run by this process; the returned function unmarks it (if it is still ours). */
export function markPlatformRunning(home: string): () => void {
  writeFileSync(file(home), `${process.pid}\n`, { mode: 0o644 });
  return () => {
    if (runningPlatformPid(home) === process.pid) rmSync(file(home), { force: true });
  };
}

/** The pid of the launcher running on the home, or null (none, or one that died without a word). */
export function runningPlatformPid(home: string): number | null {
  try {
    const pid = Number(readFileSync(file(home), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}
