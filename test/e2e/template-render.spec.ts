/** `stratos template render`, as DevOps try a confdir before deploying it: QingCloud's ZooKeeper example. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';

function zookeeperConfdir(): { dir: string; dest: string; keys: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zk-confdir-'));
  for (const sub of ['conf.d', 'templates', 'out']) mkdirSync(join(dir, sub));
  const dest = join(dir, 'out', 'zoo.cfg');
  writeFileSync(join(dir, 'conf.d', 'zoo.cfg.toml'), `[template]\nsrc = "zoo.cfg.tmpl"\ndest = "${dest}"\nkeys = ["/hosts", "/env"]\nmode = "0644"\n`);
  writeFileSync(
    join(dir, 'templates', 'zoo.cfg.tmpl'),
    'tickTime={{getv "/env/tick_time" "2000"}}\n{{range $dir := lsdir "/hosts"}}{{$sid := printf "/hosts/%s/sid" $dir}}{{$ip := printf "/hosts/%s/ip" $dir}}server.{{getv $sid}}={{getv $ip}}:2888:3888\n{{end}}',
  );
  const keys = join(dir, 'keys.json');
  writeFileSync(keys, JSON.stringify({ hosts: { 'zk-a': { sid: '1', ip: '10.0.0.1' }, 'zk-b': { sid: '2', ip: '10.0.0.2' }, 'zk-c': { sid: '3', ip: '10.0.0.3' } } }));
  return { dir, dest, keys };
}

describe('stratos template render', () => {
  it('shows the diff of a dry run, writes on a real run, then finds nothing to do', async () => {
    const { dir, dest, keys } = zookeeperConfdir();
    writeFileSync(dest, 'tickTime=2000\nserver.1=10.0.0.1:2888:3888\nserver.2=10.0.0.9:2888:3888\n');
    const dry = await runCli(['template', 'render', '--confdir', dir, '--keys', keys, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`--- ${dest}\n+++ ${dest}\n@@ -1,3 +1,4 @@\n tickTime=2000\n server.1=10.0.0.1:2888:3888\n-server.2=10.0.0.9:2888:3888\n+server.2=10.0.0.2:2888:3888\n+server.3=10.0.0.3:2888:3888\n`);
    expect(dry.stderr).toContain('would change (dry run: nothing written)');
    expect(readFileSync(dest, 'utf8')).toContain('10.0.0.9');

    const real = await runCli(['template', 'render', '--confdir', dir, '--keys', keys]);
    expect(real.code).toBe(0);
    expect(readFileSync(dest, 'utf8')).toBe('tickTime=2000\nserver.1=10.0.0.1:2888:3888\nserver.2=10.0.0.2:2888:3888\nserver.3=10.0.0.3:2888:3888\n');
    const again = await runCli(['template', 'render', '--confdir', dir, '--keys', keys, '--dry-run']);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('is up to date');
  });

  it('exits non-zero naming the template, line and column of an error', async () => {
    const { dir, keys } = zookeeperConfdir();
    writeFileSync(join(dir, 'templates', 'zoo.cfg.tmpl'), 'ok\n{{getv "/hosts/none"}}\n');
    const result = await runCli(['template', 'render', '--confdir', dir, '--keys', keys, '--dry-run']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: template: zoo.cfg.tmpl:2:3: executing "zoo.cfg.tmpl" at <getv "/hosts/none">: error calling getv: key does not exist: /hosts/none');
    expect((await runCli(['template', 'render', '--confdir', dir, '--keys', keys, '--dialect', 'jinja'])).code).toBe(2);
  });
});
