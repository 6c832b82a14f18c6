import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiSchemas, GENERATED_FILE } from './generate-api-schemas';

const ROOT = process.cwd(); // jest runs from the repository's root

describe('the API response schemas', () => {
  it('are generated from the types ApiResponses names: the committed file is not behind them (npm run api-schemas)', () => {
    expect(generateApiSchemas(ROOT)).toBe(readFileSync(join(ROOT, GENERATED_FILE), 'utf8'));
  }, 120_000);
});
