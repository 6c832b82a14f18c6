/** The project's own samples/ are what a new user posts first: they must stay valid, strictly. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { definitionKinds, validateCartridge, validateDefinition } from '@stratos/contracts';

const root = join(process.cwd(), 'samples');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.json') ? [join(dir, f)] : []));
const kindOf = (file: string) => {
  const path = relative(root, file);
  if (path.startsWith('cartridges/')) return null;
  if (path.startsWith('applications/')) return definitionKinds.application;
  const folder = path.split('/')[0];
  return Object.values(definitionKinds).find((k) => `${k.cliPlural}` === folder)!;
};

describe('samples/', () => {
  it.each(files(root).map((f) => [relative(root, f), f]))('%s is valid with no warning', (_name, file) => {
    const input = JSON.parse(readFileSync(file, 'utf8'));
    const kind = kindOf(file);
    const result = kind ? validateDefinition(kind, input, { strict: true }) : validateCartridge(input, { strict: true });
    expect(result.errors).toEqual([]);
  });
});
