/** `npm start` as a test runs it: the launcher (dist/apps/platform) as a child process, its output kept. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { ROOT } from './cli';

const LAUNCHER = join(ROOT, 'dist', 'apps', 'platform', 'src', 'main.js');

export interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Ctrl-C: SIGINT to the launcher's whole process group. */
  interrupt(): void;
}

/**
 * Starts the launcher with only `env` as its configuration (no DATABASE_URL or MQTT_URL from the
 * test's environment), in a process group of its own, as a shell runs a job: `interrupt()` is a
 * terminal's Ctrl-C, a SIGINT to the whole group (the launcher, its children, PostgreSQL).
 */
export function launch(env: Record<string, string>): Launched {
  const child = spawn(process.execPath, [LAUNCHER], { env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: '', MQTT_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, interrupt: () => process.kill(-child.pid!, 'SIGINT') };
}

/** Waits until the launcher has printed `text`; fails with everything it printed if it exits or takes too long. */
export async function untilOutput(launched: Launched, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!launched.output().includes(text)) {
    if (launched.child.exitCode !== null) throw new Error(`exited (${launched.child.exitCode}) before "${text}":\n${launched.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${launched.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The line npm start prints once everything is up. */
export const READY_LINE = 'Ctrl-C stops the platform (members keep running, and are adopted at the next start).';

/** fetch that trusts the self-signed certificate npm start made in `home` (as `stratos login --fingerprint` pins it). */
export function fetchTrusting(home: string): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: readFileSync(join(home, 'tls', 'cert.pem'), 'utf8') } });
  return (input, init) => fetch(input, { ...init, dispatcher } as RequestInit);
}
