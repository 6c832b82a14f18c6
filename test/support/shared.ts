import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IN_CI } from './test-env';

/** `../shared` beside the project: Stratos's real samples and confd's fixtures. Tests only read it. */
export function sharedFolder(name: string): string | null {
  const path = join(process.cwd(), '..', 'shared', name);
  if (existsSync(path)) return path;
  const reason = `SKIPPED the tests on ${name}: ${path} is absent (CI has it beside the clone)`;
  if (IN_CI) throw new Error(`${reason}, and CI=true forbids skipping`);
  process.stdout.write(`${reason}\n`);
  return null;
}
