/**
 * Real Stratos 4.1 cartridges (../shared/stratos-samples/cartridges/<iaas>/), one flavour at
 * a time: each is accepted with warnings for its string-encoded values and reads back equal
 * to what was sent, modulo coercion and redaction; no secret comes back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cartridgeSchema, isSecretName, redact, validateCartridge } from '@stratos/contracts';
import { sharedFolder } from '../support/shared';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const samples = sharedFolder('stratos-samples');
const flavours = samples ? readdirSync(join(samples, 'cartridges')).sort() : [];

/** Every string value of the samples that is a secret by name, to look for where it must not be. */
function secretValues(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => secretValues(v, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.name === 'string' && isSecretName(record.name) && typeof record.value === 'string' && record.value) out.push(record.value);
    for (const [key, child] of Object.entries(record)) {
      if (typeof child === 'string' && child && isSecretName(key)) out.push(child);
      else secretValues(child, out);
    }
  }
  return out;
}

(samples ? describe : describe.skip)('Stratos 4.1 sample cartridges', () => {
  let platform: TestPlatform;
  const totals: string[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
  });
  afterAll(async () => {
    await platform?.stop();
    if (totals.length) process.stdout.write(`Stratos sample cartridges accepted and read back equal: ${totals.join(', ')}\n`);
  });

  it.each(flavours)('%s: every valid cartridge is accepted and reads back equal modulo coercion', async (flavour) => {
    const folder = join(samples!, 'cartridges', flavour);
    const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    const watch = await platform.watchEvents();
    const seen: unknown[] = [];
    const secrets: string[] = [];
    const created: string[] = [];
    let duplicates = 0;
    for (const name of files) {
      const sent = JSON.parse(readFileSync(join(folder, name), 'utf8'));
      secrets.push(...secretValues(sent));
      const expected = validateCartridge(sent);
      expect(expected.errors).toEqual([]);
      const response = await platform.api('POST', '/cartridges', { body: sent });
      seen.push(response.body);
      if (created.includes(sent.type)) {
        // The same type twice in one flavour (kubernetes/php.json and php-secret.json): a real 409.
        expect(response.status).toBe(409);
        duplicates++;
        continue;
      }
      expect(response.status).toBe(201);
      created.push(sent.type);
      const coerced = expected.warnings.filter((w) => /^string ".*" read as/.test(w.message)).map((w) => w.path);
      expect(response.body.warnings.filter((w: { message: string }) => /^string ".*" read as/.test(w.message)).map((w: { path: string }) => w.path)).toEqual(coerced);
      const got = await platform.api('GET', `/cartridges/${sent.type}`);
      seen.push(got.body);
      const { status, ...definition } = got.body;
      expect(status.generation).toBe(1);
      expect(definition).toEqual(redact(cartridgeSchema, expected.value));
    }
    for (const type of created) expect((await platform.api('DELETE', `/cartridges/${type}`)).status).toBe(200);
    await watch.close();
    const everything = JSON.stringify([seen, watch.events]);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    totals.push(`${flavour} ${created.length}/${files.length - duplicates}${duplicates ? ` (+${duplicates} duplicate type refused with 409)` : ''}`);
  });
});
