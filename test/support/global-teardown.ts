import type { EmbeddedPostgresHandle } from '../../libs/runtime/src/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__stratosTestPostgres as EmbeddedPostgresHandle | undefined;
  await server?.stop();
}
