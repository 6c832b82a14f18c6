/** Template resources processed as confd does: stage, compare, check, swap, reload. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfdir, loadResource, ResourceError, syncResource } from './resource';

function confdir(toml: string, template = 'port={{getv "/app/port"}}\n') {
  const dir = mkdtempSync(join(tmpdir(), 'confdir-'));
  mkdirSync(join(dir, 'conf.d'));
  mkdirSync(join(dir, 'templates'));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'templates', 'app.tmpl'), template);
  writeFileSync(join(dir, 'conf.d', 'app.toml'), toml.replace(/OUT/g, join(dir, 'out')));
  return dir;
}
const keys = { '/app/port': '8080', '/other': 'x' };
const sync = (dir: string, extra: { dryRun?: boolean; commandTimeoutMs?: number } = {}) => syncResource(loadConfdir(dir)[0], { templatesDir: join(dir, 'templates'), keys, env: {}, ...extra });

describe('template resources', () => {
  it('writes dest with its mode, runs reload_cmd, and touches nothing when nothing changed', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\nkeys = ["/app"]\nmode = "0640"\nreload_cmd = "echo reloaded >> OUT/reloads"\n`);
    const first = await sync(dir);
    expect(first).toMatchObject({ changed: true, previous: null, rendered: 'port=8080\n', reloaded: true });
    expect(readFileSync(join(dir, 'out', 'app.conf'), 'utf8')).toBe('port=8080\n');
    expect(statSync(join(dir, 'out', 'app.conf')).mode & 0o777).toBe(0o640);
    const second = await sync(dir);
    expect(second).toMatchObject({ changed: false, reloaded: false });
    expect(readFileSync(join(dir, 'out', 'reloads'), 'utf8')).toBe('reloaded\n');
    chmodSync(join(dir, 'out', 'app.conf'), 0o600);
    expect((await sync(dir)).changed).toBe(true); // a mode that drifted is put back
    expect(readdirSync(join(dir, 'out')).filter((f) => f.startsWith('.'))).toEqual([]); // no staging file left
  });

  it('sees only its own keys (under its prefix)', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\nkeys = ["/app"]\nprefix = "/svc"\n`, '{{getv "/app/port"}} {{exists "/other"}} {{exists "/svc/app/port"}}');
    const result = await syncResource(loadConfdir(dir)[0], { templatesDir: join(dir, 'templates'), keys: { '/svc/app/port': '9', '/other': 'x' }, env: {} });
    expect(result.rendered).toBe('9 false false');
  });

  it('leaves dest untouched when check_cmd fails, and says why', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\nkeys = ["/app"]\ncheck_cmd = "grep -q 9999 {{.src}} || (echo 'port 9999 expected' >&2; exit 3)"\n`);
    writeFileSync(join(dir, 'out', 'app.conf'), 'old\n');
    await expect(sync(dir)).rejects.toThrow(/check_cmd failed \(exit 3\): port 9999 expected; .*app\.conf is unchanged$/);
    expect(readFileSync(join(dir, 'out', 'app.conf'), 'utf8')).toBe('old\n');
    expect(readdirSync(join(dir, 'out'))).toEqual(['app.conf']);
  });

  it('stops a reload_cmd that hangs', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\nkeys = ["/app"]\nreload_cmd = "sleep 30"\n`);
    const started = Date.now();
    await expect(sync(dir, { commandTimeoutMs: 300 })).rejects.toThrow(/reload_cmd did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('writes nothing in a dry run', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\nkeys = ["/app"]\n`);
    expect(await sync(dir, { dryRun: true })).toMatchObject({ changed: true, rendered: 'port=8080\n' });
    expect(existsSync(join(dir, 'out', 'app.conf'))).toBe(false);
  });

  it.each([
    ['a toml without src', `[template]\ndest = "OUT/x"\n`, /\[template\] src is required/],
    ['a toml without dest', `[template]\nsrc = "app.tmpl"\n`, /\[template\] dest is required/],
    ['a toml that is not toml', `[template\nsrc = 1`, /app\.toml: /],
    ['a bad mode', `[template]\nsrc = "app.tmpl"\ndest = "OUT/x"\nmode = "rw"\n`, /mode must be octal like "0644", not "rw"/],
  ])('refuses %s', (_name, toml, message) => {
    const dir = confdir(toml);
    expect(() => loadResource(join(dir, 'conf.d', 'app.toml'))).toThrow(message);
  });

  it('refuses a dest in a folder that does not exist', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/missing/app.conf"\nkeys = ["/app"]\n`);
    await expect(sync(dir)).rejects.toThrow(/the folder of dest .*missing\/app\.conf does not exist/);
  });

  it('refuses a template over 10 MB', async () => {
    const dir = confdir(`[template]\nsrc = "app.tmpl"\ndest = "OUT/app.conf"\n`, 'x'.repeat(10 * 1024 * 1024 + 1));
    await expect(sync(dir)).rejects.toThrow(ResourceError);
    await expect(sync(dir)).rejects.toThrow(/larger than 10485760 bytes/);
  });
});
