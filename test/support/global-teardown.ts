import { rm } from 'node:fs/promises';
import type { EmbeddedPostgresHandle } from '../../libs/runtime/src/embedded-postgres';

/** Stops the run's PostgreSQL and removes its folder (hundreds of MB a run, which would pile up in /tmp). */
export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as Record<string, unknown>;
  const server = globals.__stratosTestPostgres as EmbeddedPostgresHandle | undefined;
  await server?.stop();
  const home = globals.__stratosTestPostgresHome as string | undefined;
  if (home) await rm(home, { recursive: true, force: true });
}
