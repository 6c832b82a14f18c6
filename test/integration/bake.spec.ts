/**
 * `stratos image bake --from-member M`: a provisioned docker member becomes its cartridge's fully
 * configured image; later members start from it with provisioning skipped. The baked image keeps
 * the source image's configuration and none of the member's own: its environment (broker
 * credentials, metadata token), rendered config, exports and agent state are in no layer — the
 * test searches the image's config and every layer of `docker save` for them. A local member
 * cannot be baked (400 naming the driver).
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { packBundle, type BundleEntry, type MemberView } from '@stratos/contracts';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const docker = dockerForTests();
const file = (path: string, text: string, mode = 0o644): BundleEntry => ({ path, kind: 'file', mode, content: Buffer.from(text) });
const EXPORTED = 'exported-secret-5f0c1e';

(docker ? describe : describe.skip)('baking a provisioned docker member into its cartridge image', () => {
  let platform: TestPlatform;
  let env: Record<string, string>;
  const tag = `stratos-test/baked-${process.pid}:v1`;
  const members = async () => (await platform.runtime('bakery')).clusters[0].members as MemberView[];

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', docker: 'on' });
    env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'host' }] }));
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitions: [{ id: 'host', partitionMax: 5 }] }] }));
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-docker', networkPartitions: ['np-docker'] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'bread', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }, { type: 'mock', imageId: 'i' }] }));
    // A generic image: provisioning "installs" the software (slowly, as real installs are); a template renders the member's own config.
    const bundle = packBundle([
      file('provision/10-install.sh', `#!/bin/sh\nsleep 2\nmkdir -p /opt/bread\necho installed > /opt/bread/installed\necho "BREAD_SECRET=${EXPORTED}" >> "$STRATOS_EXPORTS"\n`, 0o755),
      file('confd/conf.d/bread.toml', '[template]\nsrc = "bread.conf.tmpl"\ndest = "/opt/bread/bread.conf"\nkeys = ["/host"]\n'),
      file('confd/templates/bread.conf.tmpl', 'member={{getv "/host/member_id"}}\n'),
    ]);
    expect((await platform.api('PUT', '/cartridges/bread/bundle', { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    await platform.post('/applications', anApplication({ applicationId: 'bakery', components: { cartridges: [aSubscription('bread', 'bread-1', { cartridgeMin: 1, cartridgeMax: 2, subscribableInfo: { alias: 'bread-1', deploymentPolicy: 'dp-docker' } })] } }));
    await platform.post('/applications', anApplication({ applicationId: 'local-bakery', components: { cartridges: [aSubscription('bread', 'bread-local', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'bread-local', deploymentPolicy: 'dp-1' } })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
    spawnSync('docker', ['image', 'rm', '-f', tag], { stdio: 'ignore' });
  });

  it('bakes an Active docker member into an image without its secrets, and starts later members from it, provisioning skipped', async () => {
    const watch = await platform.watchEvents();
    try {
      await platform.post('/applications/bakery/deploy/ap-docker', undefined, 202);
      await until('bakery Active', async () => (await platform.runtime('bakery')).status === 'Active', 60_000);
      const [first] = await members();
      expect(watch.events.some((e) => e.type === 'MemberNotice' && e.payload.memberId === first.memberId && /^provisioned: 10-install\.sh in \d+ ms$/.test(e.payload.message))).toBe(true);

      const baked = await runCli(['image', 'bake', '--from-member', first.memberId, '--tag', tag], { env, timeoutMs: 120_000 });
      expect({ code: baked.code, stdout: baked.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(new RegExp(`member ${first.memberId}\\s+baked ${tag.replace(/[.:/]/g, '\\$&')} \\(\\d+ MB\\) in \\d+\\.\\d s`)) });
      const listed = await runCli(['image', 'list', '--json'], { env });
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ cartridgeType: 'bread', image: tag, fromMember: first.memberId, sourceImage: AGENT_IMAGE, bakedBy: 'admin' })]);
      expect((await runCli(['image', 'list'], { env })).stdout).toMatch(new RegExp(`^bread\\s+${tag.replace(/[.:/]/g, '\\$&')}\\s+\\d+ MB\\s+${first.memberId}`, 'm'));

      // What the member had of its own: its credentials, its token, its rendered file, its exports.
      const token = await (async () => {
        const client = new pg.Client({ connectionString: platform.databaseUrl });
        await client.connect();
        try {
          return (await client.query(`SELECT metadata_token FROM deployments WHERE application_id = 'bakery'`)).rows[0].metadata_token as string;
        } finally {
          await client.end();
        }
      })();
      const memberEnv = ((await docker!.getContainer(first.instanceId!).inspect()).Config.Env ?? []).filter((e) => /^(MB_PASSWORD|TOKEN)=/.test(e));
      expect(memberEnv).toHaveLength(2);
      const secrets = [token, EXPORTED, `member=${first.memberId}`, ...memberEnv.map((e) => e.slice(e.indexOf('=') + 1))];
      const image = await docker!.getImage(tag).inspect();
      const config = JSON.stringify(image.Config);
      for (const secret of secrets) expect({ secret, inConfig: config.includes(secret) }).toEqual({ secret, inConfig: false });
      expect(image.Config.Labels).toMatchObject({ 'org.stratos.image': 'cartridge-agent', 'org.stratos.baked-from-member': first.memberId });
      expect(image.Config.Cmd).toEqual((await docker!.getImage(AGENT_IMAGE).inspect()).Config.Cmd);
      const saved = spawnSync('docker', ['save', tag], { maxBuffer: 1024 * 1024 * 1024 });
      expect(saved.status).toBe(0);
      const layers = saved.stdout as Buffer; // one uncompressed tar holding every layer's tar
      for (const secret of secrets) expect({ secret, inLayers: layers.includes(Buffer.from(secret)) }).toEqual({ secret, inLayers: false });
      expect(layers.includes(Buffer.from('opt/bread/installed'))).toBe(true); // what provisioning installed is in it

      // A new member starts from the baked image, configured: no provisioning, its own config rendered.
      expect((await platform.api('POST', '/applications/bakery/scale', { body: { alias: 'bread-1', min: 2 } })).status).toBe(200);
      const second = await until('a second member Active', async () => (await members()).find((m) => m.memberId !== first.memberId && m.status === 'Active'), 60_000);
      expect((await docker!.getContainer(second.instanceId!).inspect()).Config.Image).toBe(tag);
      const secondNotices = watch.events.filter((e) => e.type === 'MemberNotice' && e.payload.memberId === second.memberId).map((e) => e.payload.message);
      expect(secondNotices).toContain('a fully configured image: provisioning skipped');
      expect(secondNotices.some((m) => /^provisioned:/.test(m))).toBe(false);
      const rendered = spawnSync('docker', ['exec', second.instanceId!, 'cat', '/opt/bread/bread.conf', '/opt/bread/installed'], { encoding: 'utf8' });
      expect(rendered.stdout).toBe(`member=${second.memberId}\ninstalled\n`);
    } finally {
      await watch.close();
    }
  }, 240_000);

  it('refuses to bake a local member (naming the driver), an unknown one, or a bad tag, changing nothing', async () => {
    await platform.post('/applications/local-bakery/deploy/ap-1', undefined, 202);
    await until('local-bakery Active', async () => (await platform.runtime('local-bakery')).status === 'Active', 60_000);
    const [local] = (await platform.runtime('local-bakery')).clusters[0].members;
    const before = (await platform.api('GET', '/images')).body;
    const refusedLocal = await platform.api('POST', '/images', { body: { fromMember: local.memberId } });
    expect([refusedLocal.status, refusedLocal.body.errors]).toEqual([400, [{ path: '/fromMember', message: 'runs on the local driver; baking needs the docker driver' }]]);
    expect(refusedLocal.body.message).toMatch(/runs on the local driver, which cannot bake images: only docker members can/);
    expect((await platform.api('POST', '/images', { body: { fromMember: 'nobody-1' } })).status).toBe(404);
    const badTag = await platform.api('POST', '/images', { body: { fromMember: local.memberId, tag: 'Not A Tag' } });
    expect([badTag.status, badTag.body.errors[0].path]).toEqual([400, '/tag']);
    expect((await platform.api('POST', '/images', { body: {} })).body.errors).toEqual([{ path: '/fromMember', message: 'is required (a member id)' }]);
    expect((await platform.api('GET', '/images')).body).toEqual(before);
    const ours = await docker!.listImages({ filters: { label: [`org.stratos.baked-from-member=${local.memberId}`] } });
    expect(ours).toEqual([]);
  }, 120_000);
});
