/**
 * The life of a platform process: start, print a clear line (not a stack) when start-up
 * fails for a reason a person can fix, stop cleanly once on SIGINT/SIGTERM.
 */
import { applyFileSettings, ConfigError } from '@stratos/contracts';

export type Stop = () => Promise<void>;

export function runMain(name: string, start: () => Promise<Stop>): void {
  let stop: Stop | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      process.stderr.write(`${name}: did not stop within 15 s after ${signal}; exiting\n`);
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await stop?.();
      process.exit(0);
    } catch (error) {
      process.stderr.write(`${name}: error while stopping: ${(error as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Started by the launcher with an IPC channel: when the launcher goes (even by kill -9), go too.
  if (process.send) process.on('disconnect', () => void shutdown('the launcher exited'));
  // Secrets given as files (NAME_FILE: Swarm and Kubernetes secrets) become settings like any other.
  const started = (async () => {
    applyFileSettings(process.env);
    return start();
  })();
  started.then(
    (stopFn) => {
      stop = stopFn;
      if (stopping) void stopFn().then(() => process.exit(0));
    },
    (error: unknown) => {
      process.stderr.write(`${name}: cannot start: ${describeStartError(error)}\n`);
      process.exit(1);
    },
  );
}

export function describeStartError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === 'ECONNREFUSED') return `nothing answers at ${e.address ?? '?'}:${e.port ?? '?'} (${e.message})`;
  if (e?.code === '28P01' || /password authentication failed/i.test(e?.message ?? '')) return 'PostgreSQL refused the credentials in DATABASE_URL';
  if (e?.code === '3D000') return `the database in DATABASE_URL does not exist (${e.message})`;
  return e instanceof Error ? e.message : String(error);
}
