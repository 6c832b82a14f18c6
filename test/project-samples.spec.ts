/** The project's own samples/ are what a new user posts first: they must stay valid, strictly. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCartridge } from '@stratos/contracts';

const folder = join(process.cwd(), 'samples', 'cartridges');

describe('samples/cartridges', () => {
  it.each(readdirSync(folder).filter((f) => f.endsWith('.json')))('%s is a valid cartridge with no warning', (file) => {
    const result = validateCartridge(JSON.parse(readFileSync(join(folder, file), 'utf8')), { strict: true });
    expect(result.errors).toEqual([]);
  });
});
