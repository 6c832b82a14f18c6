/**
 * confd's own integration fixtures (../shared/confd-integration), rendered byte for byte,
 * the way its README says: keys.json in the store, env.json in the environment, each toml's
 * keys selecting what its template sees. Read from there, never copied here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadResource, renderResource } from '@stratos/templating';
import { sharedFolder } from '../support/shared';

const fixtures = sharedFolder('confd-integration');

(fixtures ? describe : describe.skip)('confd integration fixtures', () => {
  const read = (name: string) => JSON.parse(readFileSync(join(fixtures!, name), 'utf8'));
  const checks = fixtures ? (read('checks.json') as { toml: string; template: string; expect: string }[]) : [];

  it.each(checks.map((c) => [c.toml, c] as const))('%s renders its expect file byte for byte', (_name, check) => {
    const resource = loadResource(join(fixtures!, check.toml));
    const rendered = renderResource(resource, { templatesDir: join(fixtures!, 'templates'), keys: read('keys.json'), env: read('env.json') });
    expect(rendered).toBe(readFileSync(join(fixtures!, check.expect), 'utf8'));
  });

  it('renders nested.toml (which upstream never checks) from the file backend\'s keys', () => {
    const resource = loadResource(join(fixtures!, 'conf.d/nested.toml'));
    const rendered = renderResource(resource, { templatesDir: join(fixtures!, 'templates'), keys: read('keys.json'), env: read('env.json') });
    // gets "/nested/*" yields the two leaves; `gets .Key` of a leaf is the leaf itself.
    expect(rendered).toContain('    server 10.0.1.10:8080;');
    expect(rendered).toContain('    server 10.0.1.11:8080;');
  });
});
