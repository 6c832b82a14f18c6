/**
 * Bad input, fuzzed: every definition in samples/ (every kind), mutated by fast-check — a value
 * replaced by a NUL-bearing string, an unpaired surrogate, a 70,000-character string, nesting 40
 * deep, a key that reaches a prototype, or any JSON value; a key deleted or added — and POSTed
 * as a new definition. Asserted for each: no 5xx; a refusal changes no row (topology events
 * included); an acceptance is removed again; the server still answers. Seeded; FUZZ_RUNS runs
 * (`npm test`: 150; `npm run fuzz`: 3000).
 */
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { definitionKinds } from '@stratos/contracts';
import { ROOT, runCli } from '../support/cli';
import { rowCounts } from '../support/databases';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const samples = join(ROOT, 'samples');
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.json') ? [join(dir, f)] : []));

interface Target {
  file: string;
  endpoint: string;
  idKey: string;
  definition: Record<string, unknown>;
}

function targets(): Target[] {
  return files(samples).map((file) => {
    const path = relative(samples, file);
    const kind = path.startsWith('cartridges/') ? null : path.startsWith('applications/') ? definitionKinds.application : Object.values(definitionKinds).find((k) => k.cliPlural === path.split('/')[0])!;
    return { file: path, endpoint: kind ? `/${kind.restPath}` : '/cartridges', idKey: kind ? kind.idKey : 'type', definition: JSON.parse(readFileSync(file, 'utf8')) };
  });
}

/** Every JSON pointer (as a key path) of a document. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...at, i])));
  if (value && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...at, k])));
  return here;
}

const nested = (depth: number): unknown => (depth === 0 ? 'bottom' : { deeper: nested(depth - 1) });
const poison = fc.oneof(
  fc.constant('before\u0000after'),
  fc.constant('lone \ud800 surrogate'),
  fc.constant('x'.repeat(70_000)),
  fc.constant(nested(40)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string(),
  fc.integer(),
  fc.constant(null),
);
const mutation = fc.record({
  action: fc.constantFrom('replace', 'delete', 'addKey'),
  pathIndex: fc.nat(),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'type\u0000'), fc.string({ maxLength: 6 })),
  value: poison,
});

function mutate(definition: Record<string, unknown>, m: { action: string; pathIndex: number; key: string; value: unknown }): unknown {
  const copy = structuredClone(definition) as Record<string, unknown>;
  const all = paths(copy);
  const path = all[m.pathIndex % all.length];
  if (path.length === 0) return m.action === 'replace' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], copy);
  const last = path[path.length - 1];
  if (m.action === 'replace') parent[last] = m.value;
  else if (m.action === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last]) ? parent[last] : parent;
    if (!Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true }); // an own "__proto__" too
  }
  return copy;
}

describe(`fuzzed definitions (${RUNS} runs)`, () => {
  let platform: TestPlatform;
  const all = targets();

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    const imported = await runCli(['import', samples, '--iaas', 'local', '--json'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken } });
    expect(JSON.parse(imported.stdout).summary.refused).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('answers every mutation of every sample definition with no 5xx, and a refusal changes nothing', async () => {
    let n = 0;
    const outcomes = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: all.length - 1 }), mutation, async (which, m) => {
        const target = all[which];
        const body = mutate(target.definition, m);
        const id = `fuzz-${++n}`;
        if (body && typeof body === 'object' && !Array.isArray(body)) (body as Record<string, unknown>)[target.idKey] = id;
        const before = await rowCounts(platform.databaseUrl);
        const response = await platform.api('POST', target.endpoint, { raw: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expect({ file: target.file, status: response.status < 500 ? 'not 5xx' : response.status, body: response.status < 500 ? '' : response.body }).toEqual({ file: target.file, status: 'not 5xx', body: '' });
        if (response.status >= 400) {
          outcomes.refused++;
          expect(typeof response.body.message).toBe('string');
          expect(await rowCounts(platform.databaseUrl)).toEqual(before);
        } else {
          outcomes.accepted++;
          expect((await platform.api('DELETE', `${target.endpoint}/${id}`)).status).toBe(200);
        }
      }),
      { seed: 20261201, numRuns: RUNS },
    );
    expect((await platform.api('GET', '/health', { token: null })).status).toBe(200);
    expect(outcomes.refused).toBeGreaterThan(0);
    process.stdout.write(`fuzzed definitions: ${RUNS} runs over ${all.length} sample files: ${outcomes.refused} refused with a 4xx and nothing written, ${outcomes.accepted} accepted and removed\n`);
  }, 600_000);

  it('refuses NUL and unpaired surrogates in the URL, naming where', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const nul = await platform.api('GET', '/cartridges/a%00b');
    expect([nul.status, nul.body.errors]).toEqual([400, [{ path: 'a%00b', message: 'holds a NUL character (\\u0000) at offset 1' }]]);
    expect((await platform.api('DELETE', '/cartridges/%ED%A0%80')).status).toBe(400);
    expect((await platform.api('GET', '/members/x/logs?tail=%00')).body.errors).toEqual([{ path: '?tail', message: 'holds a NUL character (\\u0000) at offset 0' }]);
    // Refused by the router before any middleware: the same error body all the same.
    const undecodable = await platform.api('GET', '/cartridges/%E0%A4%A');
    expect([undecodable.status, undecodable.body.errors]).toEqual([400, [{ path: '%E0%A4%A', message: 'is not valid percent-encoding' }]]);
    expect(undecodable.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
  });
});
