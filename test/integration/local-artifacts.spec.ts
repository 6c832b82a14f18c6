/**
 * Image artifacts on the local driver, where an image is a directory tree and a region a folder:
 * a busybox root file system (nothing of the host's system in it) is taken in as `tree@1` in the
 * default region, distributed to the region "west" (a folder of its own: tar out, tar in, digested
 * again on arrival), and a cartridge naming `artifact:tree@1` is deployed across both regions.
 * Each member runs on its region's copy: its web server and page are the tree's — the host has no
 * /www — while the agent runs on the host's Node.js beside it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxAvailable } from '@stratos/iaas';
import type { ArtifactVersionView, MemberView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { IN_CI } from '../support/test-env';

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p) && spawnSync(p, ['--list'], { encoding: 'utf8' }).stdout.includes('httpd'));
const missing = !BUSYBOX ? 'a busybox with httpd (apt-get install busybox-static)' : !sandboxAvailable() ? 'bubblewrap (apt-get install bubblewrap), which a member needs to run on an image tree' : null;
if (missing) {
  const line = `SKIPPED local image artifacts: no ${missing}; .ci/run installs it`;
  if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
  process.stdout.write(`${line}\n`);
}

(missing ? describe.skip : describe)('image artifacts on the local driver: a directory tree, distributed to another region folder, run on', () => {
  let platform: TestPlatform;
  let west: string;
  let tree: string;
  const page = `served from the image tree ${randomBytes(4).toString('hex')}\n`;

  beforeAll(async () => {
    west = await mkdtemp(join(tmpdir(), 'stratos-region-west-'));
    await chmod(west, 0o755);
    // A root file system with busybox alone: /bin and a page in /www (no /etc: the member's passwd is all it has there).
    tree = await mkdtemp(join(tmpdir(), 'stratos-tree-'));
    await mkdir(join(tree, 'bin'));
    await copyFile(BUSYBOX!, join(tree, 'bin', 'busybox'));
    await chmod(join(tree, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'httpd', 'cat', 'ls', 'sleep', 'tar', 'rm', 'mkdir', 'id']) await symlink('busybox', join(tree, 'bin', applet));
    await mkdir(join(tree, 'www'));
    await writeFile(join(tree, 'www', 'index.html'), page);
    await chmod(tree, 0o755);
    platform = await startTestPlatform({ broker: 'aedes', regions: [{ driver: 'local', region: 'west', endpoint: west }] });
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    for (const dir of [west, tree]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes a folder in as a version, copies it to another region checked whole, and runs each member on its region’s copy', async () => {
    // Bad input: a relative folder, a folder that is not there, a docker-only region.
    const relative = await platform.api('POST', '/artifacts', { body: { name: 'tree', version: '1', provider: 'local', image: 'tmp/tree' } });
    expect([relative.status, relative.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['/image']]);
    const absent = await platform.api('POST', '/artifacts', { body: { name: 'tree', version: '1', provider: 'local', image: join(tree, 'nothing') } });
    expect([absent.status, absent.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['/image']]);
    expect((await platform.api('GET', '/artifacts')).body).toEqual([]);

    const created = await platform.api<ArtifactVersionView>('POST', '/artifacts', { body: { name: 'tree', version: '1', provider: 'local', image: tree } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(expect.objectContaining({ name: 'tree', version: '1', provider: 'local', image: 'tree:1', sourceRegion: 'default', imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }));
    expect(created.body.sizeBytes).toBeGreaterThan(500_000); // busybox itself
    const distributed = await platform.api('POST', '/artifacts/tree/versions/1/distribute', { body: { regions: ['west'] } });
    expect(distributed.status).toBe(202);
    const inWest = await until(
      'tree@1 Available in west',
      async () => (await platform.api<{ versions: ArtifactVersionView[] }>('GET', '/artifacts/tree')).body.versions[0].regions.find((r) => r.region === 'west' && r.state === 'Available'),
      60_000,
    );
    expect(inWest.imageId).toBe(created.body.imageId); // the same content, digested again on arrival
    expect(readFileSync(join(west, 'images', encodeURIComponent('tree:1'), 'tree', 'www', 'index.html'), 'utf8')).toBe(page);

    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-local', provider: 'local', partitions: [{ id: 'home' }, { id: 'west-a', property: [{ name: 'region', value: 'west' }] }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-both', networkPartitions: [{ id: 'np-local', partitionAlgo: 'round-robin', partitions: [{ id: 'home', partitionMax: 1 }, { id: 'west-a', partitionMax: 1 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-local', networkPartitions: ['np-local'] }));
    await platform.post(
      '/cartridges',
      aCartridge({
        type: 'treeweb',
        portMapping: [{ name: 'http', protocol: 'http', port: 80, proxyPort: 0 }],
        iaasProvider: [{ type: 'local', imageId: 'artifact:tree@1' }],
        property: [{ name: 'payload_parameter.START_COMMAND', value: 'exec httpd -f -p "$MEMBER_IP:$PORT" -h /www' }],
      }),
    );
    await platform.post('/applications', anApplication({ applicationId: 'trees', components: { cartridges: [aSubscription('treeweb', 'trees', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'trees', deploymentPolicy: 'dp-both' } })] } }));
    await platform.post('/applications/trees/deploy/ap-local', undefined, 202);
    await until('trees Active', async () => (await platform.runtime('trees')).status === 'Active', 90_000);
    const members = (await platform.runtime('trees')).clusters[0].members as MemberView[];
    expect(members.map((m) => [m.partitionId, m.image]).sort()).toEqual([
      ['home', 'tree:1'],
      ['west-a', 'tree:1'],
    ]);
    expect(existsSync('/www')).toBe(false); // what they serve is the tree's
    for (const member of members) {
      const response = await fetch(`http://${member.host}:${member.ports[0].hostPort}/index.html`);
      expect([member.partitionId, response.status, await response.text()]).toEqual([member.partitionId, 200, page]);
    }

    // A version that deployed members run cannot go; once they are gone it can, and west's copy with it.
    expect((await platform.api('DELETE', '/artifacts/tree/versions/1')).status).toBe(409);
    await platform.post('/applications/trees/undeploy', undefined, 202);
    await until('trees undeployed', async () => (await platform.api('GET', '/applications/trees/runtime')).status === 404, 60_000);
    expect((await platform.api('DELETE', '/artifacts/tree/versions/1')).status).toBe(200);
    expect(existsSync(join(west, 'images', encodeURIComponent('tree:1')))).toBe(false);
  }, 240_000);
});
