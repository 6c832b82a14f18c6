/**
 * Cartridge bundles: the files a cartridge ships beyond its JSON (its confdir here), uploaded
 * over REST or with the CLI, checked entry by entry, stored by the controller, and fetched by
 * each member's agent with its own identity, which renders the bundle's templates. Every bad
 * archive is refused with the entry and the reason, and changes nothing.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleSha256, packBundle, type BundleEntry, type MemberView } from '@stratos/contracts';
import { availableBrokers } from '../support/brokers';
import { runCli } from '../support/cli';
import { rowCounts } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const file = (path: string, text: string, mode = 0o644): BundleEntry => ({ path, kind: 'file', mode, content: Buffer.from(text) });
const aBundle = (template = 'member={{getv "/host/member_id"}} sid={{getv "/host/sid"}}\n') =>
  packBundle([
    file('confd/conf.d/app.toml', '[template]\nsrc = "app.conf.tmpl"\ndest = "/opt/app/app.conf"\nkeys = ["/host"]\n'),
    file('confd/templates/app.conf.tmpl', template),
    file('provision/10-hello.sh', '#!/bin/sh\necho hello\n', 0o755),
  ]);

/** A tar entry another tool could write: any type flag and name. */
function rawTar(name: string, type: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write('00000000000\0', 124);
  block.fill(' ', 148, 156);
  block.write(type, 156);
  block.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return gzipSync(Buffer.concat([block, Buffer.alloc(1024)]));
}

describe.each(availableBrokers())('cartridge bundles over %s', (broker) => {
  let platform: TestPlatform;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const put = (type: string, archive: Buffer, contentType = 'application/gzip') => platform.api('PUT', `/cartridges/${type}/bundle`, { raw: archive, headers: { 'content-type': contentType } });
  const aMockCartridge = (type: string) => aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: `${type}-image` }] });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    await post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy());
    await post('/applicationPolicies', anApplicationPolicy());
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('stores a bundle, shows it, gives it back byte for byte, and removes it', async () => {
    await post('/cartridges', aMockCartridge('bundled'));
    const archive = aBundle();
    const stored = await put('bundled', archive);
    expect(stored.status).toBe(200);
    expect(stored.body.status.bundle).toEqual({ sha256: bundleSha256(archive), size: archive.length, files: 3, uploadedAt: expect.any(String) });
    expect((await platform.api('GET', '/cartridges/bundled')).body.status.bundle.sha256).toBe(bundleSha256(archive));
    const listed = (await platform.api('GET', '/cartridges?limit=1000')).body as { type: string; status: { bundle: unknown } }[];
    expect(listed.find((c) => c.type === 'bundled')?.status.bundle).toEqual(stored.body.status.bundle);
    const download = await fetch(`${platform.url}/api/cartridges/bundled/bundle`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    expect(download.headers.get('content-type')).toMatch(/application\/gzip/);
    expect(Buffer.from(await download.arrayBuffer()).equals(archive)).toBe(true);
    expect((await platform.api('DELETE', '/cartridges/bundled/bundle')).body.status.bundle).toBeNull();
    expect((await platform.api('GET', '/cartridges/bundled/bundle')).body).toMatchObject({ statusCode: 404, message: 'cartridge "bundled" has no bundle' });
  });

  it('refuses every bad archive with the entry and the reason, changing nothing', async () => {
    await post('/cartridges', aMockCartridge('strict'));
    const before = await rowCounts(platform.databaseUrl);
    const cases: [string, Promise<{ status: number; body: any }>, number, RegExp][] = [
      ['a symbolic link', put('strict', rawTar('confd/link', '2')), 400, /confd\/link: a symbolic link; a bundle holds regular files and folders only/],
      ['a path that climbs out', put('strict', rawTar('../../etc/cron.d/x', '0')), 400, /\.\.\/\.\.\/etc\/cron\.d\/x: "\.\." would leave the bundle/],
      ['an absolute path', put('strict', rawTar('/etc/passwd', '0')), 400, /\/etc\/passwd: an absolute path/],
      ['not gzip', put('strict', Buffer.from('hello')), 400, /not a gzipped archive/],
      ['JSON instead of an archive', platform.api('PUT', '/cartridges/strict/bundle', { body: { x: 1 } }), 415, /a bundle is a gzipped tar archive/],
      ['an empty body', put('strict', Buffer.alloc(0)), 400, /send the bundle as the body/],
      ['over the limit', put('strict', Buffer.alloc(8 * 1024 * 1024 + 1)), 413, /the bundle is larger than the limit of 8388608 bytes/],
      ['an unknown cartridge', put('nope', aBundle()), 404, /cartridge "nope" does not exist/],
    ];
    for (const [what, response, status, message] of cases) {
      const { status: got, body } = await response;
      expect([what, got, body.message]).toEqual([what, status, expect.stringMatching(message)]);
    }
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect((await platform.api('GET', '/cartridges/strict')).body.status.bundle).toBeNull();
  });

  it('runs a generic image\'s provisioning steps in order before the member is Active, skips them for a fully configured one, and fails a member whose step fails', async () => {
    const steps = [
      // $STRATOS_ROOT: the member's / (itself "/" in a sandbox), so the steps stay inside the member either way.
      file('provision/10-install.sh', '#!/bin/sh\nmkdir -p "${STRATOS_ROOT%/}/opt/app" && echo "installed from $BUNDLE_DIR" > "${STRATOS_ROOT%/}/opt/app/installed"\n', 0o755),
      file('provision/20-configure', 'echo configured >> "${STRATOS_ROOT%/}/opt/app/installed"\n', 0o644),
    ];
    const cartridges: [string, BundleEntry[], { name: string; value: string }[]][] = [
      ['gen', steps, []],
      ['baked', steps, [{ name: 'payload_parameter.IMAGE_KIND', value: 'configured' }]],
      ['gen-fail', [file('provision/10-fail.sh', '#!/bin/sh\necho "disk is full" >&2\nexit 3\n', 0o755)], []],
    ];
    for (const [type, entries, property] of cartridges) {
      await post('/cartridges', aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property }));
      expect((await put(type, packBundle(entries))).status).toBe(200);
    }
    await post('/applications', anApplication({ applicationId: 'prov', components: { cartridges: cartridges.map(([type]) => aSubscription(type, `${type}-1`)) } }));
    const watch = await platform.watchEvents();
    try {
      await post('/applications/prov/deploy/ap-1', undefined, 202);
      const notices = (memberId: string) => watch.events.filter((e) => e.type === 'MemberNotice' && e.payload.memberId === memberId).map((e) => e.payload.message as string);
      const activeIn = async (alias: string) =>
        until(`${alias} Active`, async () => (await platform.runtime('prov')).clusters.find((c) => c.alias === alias)!.members.find((m) => m.status === 'Active'));
      const generic = await activeIn('gen-1');
      const root = (m: MemberView) => join(platform.home, 'members', m.memberId, 'root');
      expect(readFileSync(join(root(generic), 'opt/app/installed'), 'utf8')).toMatch(/^installed from (.*)?\/var\/lib\/stratos\/bundle\nconfigured\n$/);
      expect(notices(generic.memberId)).toEqual(expect.arrayContaining([expect.stringMatching(/^provisioned: 10-install\.sh in \d+ ms$/), expect.stringMatching(/^provisioned: 20-configure in \d+ ms$/), expect.stringMatching(/^provisioning done: 2 step\(s\) in \d+ ms$/)]));
      const baked = await activeIn('baked-1');
      expect(existsSync(join(root(baked), 'opt/app/installed'))).toBe(false);
      expect(notices(baked.memberId)).toContain('a fully configured image: provisioning skipped');
      const lost = await until('gen-fail fails', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'prov.gen-fail-1' && e.payload.member.status === 'Lost'));
      expect(lost.payload.reason).toMatch(/^provisioning: step 10-fail\.sh failed \(exit 3\) after \d+ ms: disk is full$/);
      await post('/applications/prov/undeploy?force=true', undefined, 202);
      await until('prov gone', async () => (await platform.api('GET', '/applications/prov/runtime')).status === 404);
    } finally {
      await watch.close();
    }
  });

  it("runs Stratos's extension hooks: its own lifecycle, and its peers coming and going; a failing hook is reported, the member stays", async () => {
    const log = (event: string) => file(`extensions/${event}.sh`, `echo "${event} \${STRATOS_EVENT_MEMBER_ID:-self}" >> "\${STRATOS_ROOT%/}/hooks"\n`);
    const entries = ['instance-started', 'complete-topology', 'instance-activated', 'member-activated', 'member-terminated'].map(log);
    entries.push(file('extensions/start-servers.sh', 'echo "cannot warm the cache" >&2\nexit 2\n'));
    // clean runs at a graceful stop, before the workload goes; a failing one is reported and the member stops anyway.
    entries.push(file('extensions/clean.sh', 'echo "cleaned after $STRATOS_STOP_REASON, not quite" >&2\nexit 1\n'));
    await post('/cartridges', aCartridge({ type: 'hooked', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    expect((await put('hooked', packBundle(entries))).status).toBe(200);
    await post('/applications', anApplication({ applicationId: 'hooks', components: { cartridges: [aSubscription('hooked', 'hooked-1', { cartridgeMin: 2 })] } }));
    const watch = await platform.watchEvents();
    try {
      await post('/applications/hooks/deploy/ap-1', undefined, 202);
      const rt = await until('hooks Active', async () => ((await platform.runtime('hooks')).status === 'Active' ? platform.runtime('hooks') : undefined));
      // a: the first to become Active, so it listened to the topology before b became Active (on a loaded machine b may win the race to start).
      const [a, b] = [...rt.clusters[0].members].sort((x, y) => x.statusChangedAt.localeCompare(y.statusChangedAt));
      const hooksOf = (m: MemberView) => {
        const path = join(platform.home, 'members', m.memberId, 'root', 'hooks');
        return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
      };
      // Its own lifecycle, in order, then the peer it saw become Active.
      await until(`${a.memberId} saw ${b.memberId} become Active`, async () => hooksOf(a).includes(`member-activated ${b.memberId}`));
      expect(hooksOf(a).filter((line) => line.endsWith(' self'))).toEqual(['instance-started self', 'complete-topology self', 'instance-activated self']);
      expect(watch.events.some((e) => e.type === 'MemberNotice' && e.payload.memberId === a.memberId && e.payload.level === 'warning' && e.payload.message === 'extension start-servers.sh failed (exit 2): cannot warm the cache')).toBe(true);
      // A peer dies: the survivor's member-terminated hook names it, and member-activated names its replacement.
      process.kill(-Number(b.instanceId), 'SIGKILL');
      const replacement = await until('a replacement Active', async () => (await platform.runtime('hooks')).clusters[0].members.find((m) => m.status === 'Active' && m.memberId !== a.memberId && m.memberId !== b.memberId));
      await until(`${a.memberId} saw the change`, async () => hooksOf(a).includes(`member-terminated ${b.memberId}`) && hooksOf(a).includes(`member-activated ${replacement.memberId}`));
      await post('/applications/hooks/undeploy', undefined, 202);
      await until('hooks gone', async () => (await platform.api('GET', '/applications/hooks/runtime')).status === 404);
      for (const m of [a, replacement]) {
        await until(`${m.memberId} ran its clean hook`, async () => watch.events.some((e) => e.type === 'MemberNotice' && e.payload.memberId === m.memberId && e.payload.message === 'extension clean.sh failed (exit 1): cleaned after SIGTERM, not quite'), 5000);
      }
    } finally {
      await watch.close();
    }
  });

  it('publishes what a member exports ($STRATOS_EXPORTS) to its dependents\' trees, never into an event or a log', async () => {
    const secret = `pw-${Math.random().toString(16).slice(2)}`;
    await post('/cartridges', aCartridge({ type: 'exp-db', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    expect((await put('exp-db', packBundle([file('provision/10-init.sh', `#!/bin/sh\necho "DB_PORT=5432" >> "$STRATOS_EXPORTS"\necho "DB_PASSWORD=${secret}" >> "$STRATOS_EXPORTS"\necho "oops" >> "$STRATOS_EXPORTS"\n`, 0o755)]))).status).toBe(200);
    await post('/cartridges', aCartridge({ type: 'exp-web', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    expect(
      (
        await put(
          'exp-web',
          packBundle([
            file('confd/conf.d/db.toml', '[template]\nsrc = "db.tmpl"\ndest = "/opt/app/db.conf"\nkeys = ["/links"]\n'),
            file('confd/templates/db.tmpl', 'port={{getv "/links/exp-db-1/env/DB_PORT"}} password={{getv "/links/exp-db-1/env/DB_PASSWORD"}}\n'),
          ]),
        )
      ).status,
    ).toBe(200);
    await post('/applications', anApplication({ applicationId: 'exp', components: { cartridges: [aSubscription('exp-db', 'exp-db-1'), aSubscription('exp-web', 'exp-web-1')], dependencies: { startupOrders: [{ aliases: ['cartridge.exp-db-1', 'cartridge.exp-web-1'] }] } } }));
    const watch = await platform.watchEvents();
    try {
      await post('/applications/exp/deploy/ap-1', undefined, 202);
      const rt = await until('exp Active', async () => ((await platform.runtime('exp')).status === 'Active' ? platform.runtime('exp') : undefined));
      const web = rt.clusters.find((c) => c.alias === 'exp-web-1')!.members[0];
      const db = rt.clusters.find((c) => c.alias === 'exp-db-1')!.members[0];
      expect(readFileSync(join(platform.home, 'members', web.memberId, 'root', 'opt/app/db.conf'), 'utf8')).toBe(`port=5432 password=${secret}\n`);
      expect((await platform.api('GET', '/metadata/applications/exp/clusters/exp.exp-db-1/properties')).body).toEqual([
        { key: 'DB_PASSWORD', values: [secret] },
        { key: 'DB_PORT', values: ['5432'] },
      ]);
      const notices = watch.events.filter((e) => e.type === 'MemberNotice' && e.payload.memberId === db.memberId).map((e) => e.payload.message);
      expect(notices).toContain('exported DB_PORT, DB_PASSWORD to cluster exp.exp-db-1');
      expect(notices).toContain('$STRATOS_EXPORTS: line(s) 3 are not KEY=VALUE; skipped');
      expect(JSON.stringify(watch.events)).not.toContain(secret);
      expect((await platform.api('GET', `/members/${db.memberId}/logs`)).body.text).not.toContain(secret);
      await post('/applications/exp/undeploy', undefined, 202);
      await until('exp gone', async () => (await platform.api('GET', '/applications/exp/runtime')).status === 404);
    } finally {
      await watch.close();
    }
  });

  it("lets each member fetch its cartridge's bundle with its own identity and render the bundle's templates; refuses a change while deployed", async () => {
    await post('/cartridges', aMockCartridge('withconf'));
    expect((await put('withconf', aBundle())).status).toBe(200);
    await post('/applications', anApplication({ applicationId: 'bundled-app', components: { cartridges: [aSubscription('withconf', 'withconf-1', { cartridgeMin: 2 })] } }));
    const watch = await platform.watchEvents();
    try {
      await post('/applications/bundled-app/deploy/ap-1', undefined, 202);
      const rt = await until('bundled-app Active', async () => ((await platform.runtime('bundled-app')).status === 'Active' ? platform.runtime('bundled-app') : undefined));
      const members: MemberView[] = rt.clusters[0].members;
      for (const member of members) {
        const dir = join(platform.home, 'members', member.memberId, 'root');
        expect(readFileSync(join(dir, 'opt/app/app.conf'), 'utf8')).toBe(`member=${member.memberId} sid=${member.sid}\n`);
        // The bundle is unpacked in the member, modes kept.
        expect(readFileSync(join(dir, 'var/lib/stratos/bundle/provision/10-hello.sh'), 'utf8')).toContain('echo hello');
        expect(watch.events.some((e) => e.type === 'MemberNotice' && e.payload.memberId === member.memberId && /^bundle [0-9a-f]{12} unpacked/.test(e.payload.message))).toBe(true);
      }
      const refused = await put('withconf', aBundle('changed'));
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/used by the deployed application "bundled-app"/);
      await post('/applications/bundled-app/undeploy', undefined, 202);
      await until('bundled-app gone', async () => (await platform.api('GET', '/applications/bundled-app/runtime')).status === 404);
    } finally {
      await watch.close();
    }
  });
});

// The CLI speaks HTTP only: one broker is enough. This platform's local members share the
// host's filesystem (no bubblewrap sandbox): what a machine without bubblewrap gets.
describe('cartridge bundles from the CLI, members without a sandbox', () => {
  let platform: TestPlatform;
  const aMockCartridge = (type: string) => aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: `${type}-image` }] });
  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', localSandbox: 'off' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('is uploaded by the CLI from a cartridge folder, and a folder holding a link is refused before anything is sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stratos-cartridge-'));
    try {
      await writeFile(join(dir, 'cartridge.json'), JSON.stringify(aMockCartridge('from-folder')));
      await mkdir(join(dir, 'confd', 'conf.d'), { recursive: true });
      await mkdir(join(dir, 'confd', 'templates'));
      await writeFile(join(dir, 'confd', 'conf.d', 'a.toml'), '[template]\nsrc = "a.tmpl"\ndest = "/etc/a"\n');
      await writeFile(join(dir, 'confd', 'templates', 'a.tmpl'), 'a');
      const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: join(dir, 'cli.json') };
      const added = await runCli(['cartridge', 'add', '-f', dir], { env });
      expect(added.code).toBe(0);
      expect(added.stderr).toMatch(/bundle from .*: \d+\.\d KiB, sha256 [0-9a-f]{12}/);
      const shown = await runCli(['cartridge', 'get', 'from-folder'], { env });
      expect(shown.stdout).toMatch(/bundle\s+2 files, 0\.\d KiB, sha256 [0-9a-f]{12}/);

      // Without a sandbox the agent resolves config paths inside the member's root folder, and a volume is a link there to its slot's folder.
      await platform.post('/cartridges', aCartridge({ type: 'plain', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data' }] } }));
      expect((await platform.api('PUT', '/cartridges/plain/bundle', { raw: aBundle(), headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
      await platform.post('/applications', anApplication({ applicationId: 'plain', components: { cartridges: [aSubscription('plain', 'plain-1')] } }));
      await platform.post('/applications/plain/deploy/ap-1', undefined, 202);
      const rt = await until('plain Active', async () => ((await platform.runtime('plain')).status === 'Active' ? platform.runtime('plain') : undefined));
      const member = rt.clusters[0].members[0];
      const root = join(platform.home, 'members', member.memberId, 'root');
      expect(readFileSync(join(root, 'opt/app/app.conf'), 'utf8')).toBe(`member=${member.memberId} sid=1\n`);
      expect(realpathSync(join(root, 'data'))).toBe(realpathSync(join(platform.home, 'volumes', 'plain.plain-1', 'slot-1', 'data')));
      await platform.post('/applications/plain/undeploy', undefined, 202);
      await until('plain gone', async () => (await platform.api('GET', '/applications/plain/runtime')).status === 404);

      await writeFile(join(dir, 'cartridge.json'), JSON.stringify(aMockCartridge('with-link')));
      await symlink('/etc/passwd', join(dir, 'confd', 'templates', 'passwd'));
      const before = await rowCounts(platform.databaseUrl);
      const refused = await runCli(['cartridge', 'add', '-f', dir], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('passwd: not a regular file or folder (a bundle holds no links or devices)');
      expect(await rowCounts(platform.databaseUrl)).toEqual(before);
      expect(existsSync(join(dir, 'cli.json'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
