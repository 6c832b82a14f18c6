/**
 * Regions you can run here: a second Docker engine of the test's own (its own socket, data root
 * and address pool) is region "eu" of the docker driver, a folder is region "west" of the local
 * driver. A partition names its region with Stratos's `property` list; members land in their
 * partition's region and nowhere else; `stratos region list` shows every region, where it is,
 * whether it answers and its members; a partition in a region no engine serves refuses the deploy
 * with the pointer and the regions there are.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_HOST_NAME, type ApplicationRuntime, type MemberView, type RegionView } from '@stratos/contracts';
import { ensureMemberNetwork, Label, platformIdOf } from '@stratos/iaas';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { runCli } from '../support/cli';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { ownEngineAvailable, startOwnEngine, type OwnEngine } from '../support/second-engine';

const docker = dockerForTests() && ownEngineAvailable();

(docker ? describe : describe.skip)('regions: a second Docker engine and a second folder', () => {
  let engine: OwnEngine;
  let westFolder: string;
  let euPlatformHost: string;
  let platform: TestPlatform;

  beforeAll(async () => {
    engine = await startOwnEngine([AGENT_IMAGE]);
    // Where eu's members reach the platform (?platform=): an address of this host other than their own network's gateway — the default engine's bridge.
    const bridge = ((await new Docker().getNetwork('bridge').inspect()) as { IPAM: { Config: { Gateway?: string; Subnet: string }[] } }).IPAM.Config[0];
    euPlatformHost = bridge.Gateway ?? bridge.Subnet.replace(/\.0\/\d+$/, '.1'); // the engine's docker0: the subnet's first address unless it says
    westFolder = await mkdtemp(join(tmpdir(), 'stratos-region-west-'));
    await chmod(westFolder, 0o755); // members of a root controller run as users of their own
    platform = await startTestPlatform({
      broker: 'aedes',
      docker: 'on',
      agentKeepaliveS: 2, // a member whose engine went is Lost within seconds
      regions: [
        { driver: 'docker', region: 'eu', endpoint: `unix://${engine.socket}`, platformHost: euPlatformHost },
        { driver: 'local', region: 'west', endpoint: westFolder },
      ],
    });
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'home' }, { id: 'eu-a', property: [{ name: 'region', value: 'eu' }] }] }));
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-west', provider: 'local', partitions: [{ id: 'west-a', property: [{ name: 'region', value: 'west' }] }] }));
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-mars', provider: 'docker', partitions: [{ id: 'mars-a', property: [{ name: 'region', value: 'mars' }] }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitionAlgo: 'round-robin', partitions: [{ id: 'home', partitionMax: 2 }, { id: 'eu-a', partitionMax: 1 }] }] }));
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-west', networkPartitions: [{ id: 'np-west', partitions: [{ id: 'west-a' }] }] }));
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-mars', networkPartitions: [{ id: 'np-mars', partitions: [{ id: 'mars-a' }] }] }));
    for (const np of ['np-docker', 'np-west', 'np-mars']) await platform.post('/applicationPolicies', anApplicationPolicy({ id: `ap-${np}`, networkPartitions: [np] }));
    await platform.post('/cartridges', aCartridge({ type: 'boxed', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }] }));
    await platform.post('/cartridges', aCartridge({ type: 'plain', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }] }));
    const app = (id: string, type: string, policy: string, count: number) =>
      anApplication({ applicationId: id, components: { cartridges: [aSubscription(type, id, { cartridgeMin: count, cartridgeMax: count, subscribableInfo: { alias: id, deploymentPolicy: policy } })] } });
    await platform.post('/applications', app('spread', 'boxed', 'dp-docker', 2));
    await platform.post('/applications', app('western', 'plain', 'dp-west', 1));
    await platform.post('/applications', app('martian', 'boxed', 'dp-mars', 1));
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    await engine?.stop();
    if (westFolder) await rm(westFolder, { recursive: true, force: true });
  });

  const regions = async () => (await platform.api<RegionView[]>('GET', '/regions')).body;
  const membersOf = async (id: string): Promise<MemberView[]> => (await platform.api<ApplicationRuntime>('GET', `/applications/${id}/runtime`)).body.clusters[0].members;

  it('lists every region with where it is, and each answers', async () => {
    expect(await regions()).toEqual([
      expect.objectContaining({ region: 'default', driver: 'docker', driverName: 'docker', answers: true, members: 0 }),
      { region: 'eu', driver: 'docker', driverName: 'docker@eu', endpoint: `unix://${engine.socket}`, answers: true, members: 0 },
      { region: 'default', driver: 'local', driverName: 'local', endpoint: platform.home, answers: true, members: 0 },
      { region: 'west', driver: 'local', driverName: 'local@west', endpoint: westFolder, answers: true, members: 0 },
    ]);
    const cli = await runCli(['region', 'list'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken } });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^REGION\s+DRIVER\s+WHERE\s+ANSWERS\s+MEMBERS$/m);
    expect(cli.stdout).toMatch(new RegExp(`^eu\\s+docker@eu\\s+unix://${engine.socket}\\s+yes\\s+0$`, 'm'));
    expect(cli.stdout).toMatch(new RegExp(`^west\\s+local@west\\s+${westFolder}\\s+yes\\s+0$`, 'm'));
  });

  it("puts each member in its partition's region: one container on each engine, a local member in the region's folder", async () => {
    await platform.post('/applications/spread/deploy/ap-np-docker', undefined, 202);
    await platform.post('/applications/western/deploy/ap-np-west', undefined, 202);
    await until('spread and western Active', async () => (await platform.runtime('spread')).status === 'Active' && (await platform.runtime('western')).status === 'Active', 120_000);
    const spread = await membersOf('spread');
    expect(spread.map((m) => [m.partitionId, m.driver]).sort()).toEqual([
      ['eu-a', 'docker@eu'],
      ['home', 'docker'],
    ]);
    // Each engine runs its own region's member, and only that one.
    const mine = { label: [`${Label.platform}=${await platformIdOf(platform.home)}`] };
    const onEu = await engine.docker.listContainers({ filters: mine });
    expect(onEu.map((c) => c.Labels[Label.member])).toEqual([spread.find((m) => m.partitionId === 'eu-a')!.memberId]);
    // eu's member reaches the broker and the API at the region's ?platform= address (and is Active: it got there), not at its network's gateway.
    const euContainer = (await engine.docker.getContainer(onEu[0].Id).inspect()) as { Config: { Env: string[] }; HostConfig: { ExtraHosts: string[] } };
    const euGateway = (await ensureMemberNetwork(engine.docker, await platformIdOf(platform.home), platform.home)).gateway;
    expect(euPlatformHost).not.toBe(euGateway);
    expect(euContainer.Config.Env.find((e) => e.startsWith('MB_URLS='))).toMatch(new RegExp(`^MB_URLS=mqtts?://(?:[^@]*@)?${euPlatformHost.replace(/\./g, '\\.')}:\\d+`));
    expect(euContainer.HostConfig.ExtraHosts).toEqual([`${PLATFORM_HOST_NAME}:${euPlatformHost}`]);
    const [western] = await membersOf('western');
    expect(western.driver).toBe('local@west');
    expect(existsSync(join(westFolder, 'members', western.memberId, 'member.json'))).toBe(true);
    expect(existsSync(join(platform.home, 'members', western.memberId))).toBe(false);
    expect((await regions()).map((r) => [r.driverName, r.members])).toEqual([
      ['docker', 1],
      ['docker@eu', 1],
      ['local', 0],
      ['local@west', 1],
    ]);
    await platform.post('/applications/spread/undeploy', undefined, 202);
    await platform.post('/applications/western/undeploy', undefined, 202);
    await until('both undeployed', async () => (await platform.api('GET', '/applications/spread/runtime')).status === 404 && (await platform.api('GET', '/applications/western/runtime')).status === 404, 60_000);
    expect(await engine.docker.listContainers({ all: true, filters: mine })).toEqual([]);
  }, 240_000);

  it('refuses a deploy to a region no engine serves, naming the partition, the region and the regions there are', async () => {
    const refused = await platform.api('POST', '/applications/martian/deploy/ap-np-mars');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/subscribableInfo\/deploymentPolicy$/), message: expect.stringMatching(/partition "mars-a" of network partition "np-mars" is in region "mars", which has no docker engine/), allowed: ['default', 'eu'] }),
    ]);
    expect((await platform.api('GET', '/applications/martian/runtime')).status).toBe(404);
  });

  it('distributes an image artifact to another region: copied whole (the same image id there), its progress on the feed, removed again', async () => {
    // An image of its own (busybox and 8 MB of noise), so that the other engine has none like it.
    const image = `stratos-test/artifact-${process.pid}:1`;
    const made = spawnSync('sh', ['-c', `set -e; d=$(mktemp -d); cp /bin/busybox "$d/"; head -c 8000000 /dev/urandom > "$d/blob"; tar -C "$d" -c . | docker import - ${image} >/dev/null; rm -rf "$d"`], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    const cli = (...args: string[]) => runCli(args, { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 120_000 });
    try {
      // Bad input: each mistake at its pointer, nothing stored.
      const bad = await platform.api('POST', '/artifacts', { body: { name: 'Web!', version: '', image: 'Not An Image', extra: 1 } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/extra', '/image', '/name', '/version']);
      const mars = await platform.api('POST', '/artifacts', { body: { name: 'web', version: '1.0', image, region: 'mars' } });
      expect([mars.status, mars.body.errors]).toEqual([400, [expect.objectContaining({ path: '/region', allowed: ['default', 'eu'] })]]);
      const missing = await platform.api('POST', '/artifacts', { body: { name: 'web', version: '1.0', image, region: 'eu' } });
      expect([missing.status, missing.body.errors]).toEqual([400, [expect.objectContaining({ path: '/image', message: expect.stringMatching(/not in region eu's engine/) })]]);
      expect((await platform.api('GET', '/artifacts')).body).toEqual([]);

      const created = await cli('artifact', 'create', 'web@1.0', '--image', image);
      expect([created.code, created.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^artifact web@1\\.0: ${image} \\(\\w{12}, \\d+ MB\\), Available in default`))]);
      expect((await platform.api('POST', '/artifacts', { body: { name: 'web', version: '1.0', image } })).status).toBe(409);
      const sourceId = (await platform.api('GET', '/artifacts/web')).body.versions[0].imageId as string;
      expect(await engine.docker.getImage(image).inspect().catch(() => null)).toBeNull();

      const watch = await platform.watchEvents();
      const distributed = await cli('artifact', 'distribute', 'web@1.0', '--to', 'eu');
      expect([distributed.code, distributed.stdout]).toEqual([0, expect.stringMatching(/^web@1\.0: eu:Available \([\d.]+ s\)$/m)]);
      expect(distributed.stderr).toMatch(/eu: Copying \d+%/);
      // The copy is the image: the same id (the digest of its configuration) in the other engine.
      expect((await engine.docker.getImage(image).inspect()).Id).toBe(sourceId);
      const shown = (await platform.api('GET', '/artifacts/web')).body.versions[0];
      expect(shown.regions.map((r: { region: string; state: string; imageId?: string }) => [r.region, r.state, r.imageId])).toEqual([
        ['default', 'Available', sourceId],
        ['eu', 'Available', sourceId],
      ]);
      // Its progress on the topology feed, as a watcher saw it (the CLI's last line came from the same feed).
      const euStates = () => watch.events.filter((e) => e.type === 'ArtifactDistribution' && e.payload.region.region === 'eu').map((e) => e.payload.region.state as string);
      await until('the watcher saw eu Available', async () => euStates().at(-1) === 'Available', 10_000);
      await watch.close();
      expect(euStates()[0]).toBe('Pending');
      expect(euStates()).toContain('Copying');
      // Again: already there, nothing copied.
      const again = await platform.api('POST', '/artifacts/web/versions/1.0/distribute', { body: { regions: ['eu'] } });
      expect([again.status, again.body.regions.map((r: { state: string }) => r.state)]).toEqual([202, ['Available']]);
      // Removed from eu's engine by hand: Available is checked, not believed, and it is copied again.
      await engine.docker.getImage(image).remove();
      const redo = await platform.api('POST', '/artifacts/web/versions/1.0/distribute', { body: { regions: ['eu'] } });
      expect([redo.status, redo.body.regions.map((r: { state: string }) => r.state)]).toEqual([202, ['Pending']]);
      await until('eu Available again', async () => (await platform.api('GET', '/artifacts/web')).body.versions[0].regions.some((r: { region: string; state: string }) => r.region === 'eu' && r.state === 'Available'), 60_000);
      expect((await engine.docker.getImage(image).inspect()).Id).toBe(sourceId);

      // A region's copy removed: gone from its engine; the version removed: the source image stays (it is the operator's).
      expect((await cli('artifact', 'remove', 'web@1.0', '--region', 'eu')).code).toBe(0);
      expect(await engine.docker.getImage(image).inspect().catch(() => null)).toBeNull();
      expect((await cli('artifact', 'remove', 'web@1.0')).code).toBe(0);
      expect((await platform.api('GET', '/artifacts/web')).status).toBe(404);
      expect((await new Docker().getImage(image).inspect()).Id).toBe(sourceId);
    } finally {
      spawnSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' });
    }
  }, 180_000);

  it("deploys a cartridge that names an image artifact: each member runs its region's copy, a region without one refuses the deploy, a version in use is not removed; an upgrade to a new version replaces each member with its region's copy", async () => {
    // An image of its own made from the agent's (a label more: another id), never a second name for the agent image, which other suites' members run.
    const image = `stratos-test/agent-artifact-${process.pid}:1`;
    const image2 = `stratos-test/agent-artifact-${process.pid}:2`;
    const built = spawnSync('sh', ['-c', `printf 'FROM ${AGENT_IMAGE}\\nLABEL org.stratos.test=${process.pid}\\n' | DOCKER_BUILDKIT=0 docker build -q -t ${image} -`], { encoding: 'utf8' });
    expect([built.status, built.stderr.replace(/DEPRECATED: The legacy builder[\s\S]*?variable\.\s*/, '')]).toEqual([0, '']);
    try {
      await platform.post('/artifacts', { name: 'agent', version: '1', image });
      await platform.post('/cartridges', aCartridge({ type: 'from-artifact', portMapping: [], iaasProvider: [{ type: 'docker', imageId: 'artifact:agent' }] }));
      await platform.post('/applications', anApplication({ applicationId: 'art', components: { cartridges: [aSubscription('from-artifact', 'art', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'art', deploymentPolicy: 'dp-docker' } })] } }));
      // Not in eu yet: refused before any member starts, saying where it is.
      const refused = await platform.api('POST', '/applications/art/deploy/ap-np-docker');
      expect([refused.status, refused.body.errors]).toEqual([400, [expect.objectContaining({ path: '/cartridges/from-artifact/iaasProvider', message: expect.stringMatching(/^artifact agent@1 is not Available in region eu \(partition "eu-a"\)/), allowed: ['default'] })]]);
      expect((await platform.api('GET', '/applications/art/runtime')).status).toBe(404);

      await platform.post('/artifacts/agent/versions/1/distribute', { regions: ['eu'] }, 202);
      await until('agent@1 Available in eu', async () => (await platform.api('GET', '/artifacts/agent')).body.versions[0].regions.some((r: { region: string; state: string }) => r.region === 'eu' && r.state === 'Available'), 120_000);
      await platform.post('/applications/art/deploy/ap-np-docker', undefined, 202);
      await until('art Active', async () => (await platform.runtime('art')).status === 'Active', 120_000);
      const members = await membersOf('art');
      expect(members.map((m) => [m.driver, m.image]).sort()).toEqual([
        ['docker', image],
        ['docker@eu', image],
      ]);
      const removing = await platform.api('DELETE', '/artifacts/agent/versions/1');
      expect([removing.status, removing.body.message]).toEqual([409, 'artifact agent@1 is what deployed application(s) art run: undeploy them first']);

      // Version 2, upgraded to: refused while a region lacks it, then each member replaced by one running its region's copy.
      const built2 = spawnSync('sh', ['-c', `printf 'FROM ${image}\nLABEL org.stratos.test.version=2\n' | DOCKER_BUILDKIT=0 docker build -q -t ${image2} -`], { encoding: 'utf8' });
      expect(built2.status).toBe(0);
      await platform.post('/artifacts', { name: 'agent', version: '2', image: image2 });
      const early = await platform.api('POST', '/applications/art/upgrade', { body: { artifact: 'agent@2' } });
      expect([early.status, early.body.errors]).toEqual([400, [expect.objectContaining({ path: '/cartridges/from-artifact/iaasProvider', message: expect.stringMatching(/^artifact agent@2 is not Available in region eu/) })]]);
      await platform.post('/artifacts/agent/versions/2/distribute', { regions: ['eu'] }, 202);
      await until('agent@2 Available in eu', async () => (await platform.api('GET', '/artifacts/agent')).body.versions.some((v: { version: string; regions: { region: string; state: string }[] }) => v.version === '2' && v.regions.some((r) => r.region === 'eu' && r.state === 'Available')), 120_000);
      const upgraded = await runCli(['app', 'upgrade', 'art', '--artifact', 'agent@2', '--wait'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 180_000 });
      expect([upgraded.code, upgraded.stderr]).toEqual([0, expect.stringContaining('members replaced one partition at a time, never below min')]);
      expect(upgraded.stdout).toMatch(/^cluster art: revision 0 → 1 {2}\(.*\/placements\/0\/artifact.*\)$/m);
      expect(upgraded.stdout).toMatch(/^upgraded in [\d.]+ s$/m);
      const after = await membersOf('art');
      expect(after.map((m) => [m.driver, m.image, m.status]).sort()).toEqual([
        ['docker', image2, 'Active'],
        ['docker@eu', image2, 'Active'],
      ]);
      expect(after.filter((m) => members.some((o) => o.memberId === m.memberId))).toEqual([]);
      // Version 1 runs nowhere now: it may go.
      expect((await platform.api('DELETE', '/artifacts/agent/versions/1')).status).toBe(200);
      await platform.post('/applications/art/undeploy', undefined, 202);
      await until('art undeployed', async () => (await platform.api('GET', '/applications/art/runtime')).status === 404, 60_000);
      expect((await platform.api('DELETE', '/artifacts/agent/versions/2')).status).toBe(200);
      expect(await engine.docker.getImage(image2).inspect().catch(() => null)).toBeNull(); // eu's copy went with it
    } finally {
      spawnSync('docker', ['image', 'rm', image2], { stdio: 'ignore' });
      spawnSync('docker', ['image', 'rm', image], { stdio: 'ignore' });
    }
  }, 360_000);

  it('migrates a docker member to the other engine with its volume: same id and slot, the data there, none left behind, downtime printed; baked there, its image goes with it back', async () => {
    const start = '[ -f /data/seed ] || head -c 262144 /dev/urandom > /data/seed; echo boot >> /data/boots; exec sleep 3600';
    await platform.post('/cartridges', aCartridge({ type: 'vault', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data' }] }, property: [{ name: 'payload_parameter.START_COMMAND', value: start }] }));
    await platform.post('/applications', anApplication({ applicationId: 'vault', components: { cartridges: [aSubscription('vault', 'vault', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'vault', deploymentPolicy: 'dp-docker' } })] } }));
    await platform.post('/applications/vault/deploy/ap-np-docker', undefined, 202);
    await until('vault Active', async () => (await platform.runtime('vault')).status === 'Active', 120_000);
    const [before] = await membersOf('vault');
    expect([before.partitionId, before.driver]).toEqual(['home', 'docker']);
    // What a volume holds, read through the engine that has it.
    const platformId = await platformIdOf(platform.home);
    const inVolume = async (engineDocker: Docker, socket: string | null, command: string) => {
      const { Volumes } = await engineDocker.listVolumes({ filters: { label: [`${Label.platform}=${platformId}`, `${Label.cluster}=vault.vault`] } });
      if (!Volumes?.length) return null;
      const run = spawnSync('docker', [...(socket ? ['-H', `unix://${socket}`] : []), 'run', '--rm', '--network', 'none', '-v', `${Volumes[0].Name}:/v`, '--entrypoint', '/bin/sh', AGENT_IMAGE, '-c', command], { encoding: 'utf8' });
      return run.status === 0 ? run.stdout.trim() : null;
    };
    const main = new Docker();
    const seed = await until('the seed written', async () => inVolume(main, null, 'sha256sum /v/seed'));

    const moved = await runCli(['member', 'migrate', before.memberId, '--to', 'eu-a'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 180_000 });
    expect([moved.code, moved.stderr]).toEqual([0, expect.stringContaining(`migrating ${before.memberId} from np-docker/home (docker) to np-docker/eu-a (docker@eu)`)]);
    const printed = /^migrated \S+ to np-docker\/eu-a \(docker@eu\) in ([\d.]+) s; down ([\d.]+) s, ([\d.]+) MB of data copied$/m.exec(moved.stdout);
    expect(printed).not.toBeNull();
    process.stdout.write(`migration: a docker member with a 256 KiB volume moved to the other engine, down ${printed![2]} s (the command took ${printed![1]} s)\n`);
    const [after] = await membersOf('vault');
    expect([after.memberId, after.sid, after.status, after.partitionId, after.driver]).toEqual([before.memberId, 1, 'Active', 'eu-a', 'docker@eu']);
    expect((await engine.docker.listContainers({ filters: { label: [`${Label.member}=${before.memberId}`] } })).map((c) => c.State)).toEqual(['running']);
    expect(await main.listContainers({ all: true, filters: { label: [`${Label.member}=${before.memberId}`] } })).toEqual([]);
    expect(await inVolume(engine.docker, engine.socket, 'sha256sum /v/seed')).toBe(seed);
    expect(await until('it booted on eu', async () => (await inVolume(engine.docker, engine.socket, 'cat /v/boots')) === 'boot\nboot' && true)).toBe(true);
    expect(await inVolume(main, null, 'true')).toBeNull(); // the source engine keeps no copy

    // Baked on eu, whose engine alone has the image: moved home, the image goes with it, and the member starts from it.
    const bakedTag = `stratos-test/vault-baked-${process.pid}:1`;
    try {
      const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
      const baked = await runCli(['image', 'bake', '--from-member', before.memberId, '--tag', bakedTag], { env, timeoutMs: 180_000 });
      expect([baked.code, baked.stderr.slice(-300)]).toEqual([0, expect.any(String)]);
      expect(await main.getImage(bakedTag).inspect().catch(() => null)).toBeNull();
      const back = await runCli(['member', 'migrate', before.memberId, '--to', 'home'], { env, timeoutMs: 180_000 });
      expect([back.code, back.stderr.slice(-300)]).toEqual([0, expect.any(String)]);
      const [home] = await membersOf('vault');
      expect([home.memberId, home.partitionId, home.image, home.status]).toEqual([before.memberId, 'home', bakedTag, 'Active']);
      expect((await main.getImage(bakedTag).inspect()).Id).toBe((await engine.docker.getImage(bakedTag).inspect()).Id);
      expect(await inVolume(main, null, 'sha256sum /v/seed')).toBe(seed);
    } finally {
      await platform.post('/applications/vault/undeploy', undefined, 202);
      await until('vault undeployed', async () => (await platform.api('GET', '/applications/vault/runtime')).status === 404, 60_000);
      await platform.api('DELETE', '/images/vault');
      spawnSync('sh', ['-c', `docker image rm ${bakedTag}; docker -H unix://${engine.socket} image rm ${bakedTag}`], { stdio: 'ignore' });
    }
  }, 360_000);

  it('migrates a docker member live to the other engine while it writes (its cartridge says live): every line it wrote there in order, the files it removed gone, the source never resumed', async () => {
    // It appends its count every 10 ms, keeps only its last five scratch files, and after a restart counts on from its last line.
    const start = "n=$(sed -n '$p' /data/log 2>/dev/null); n=${n:-0}; echo boot >> /data/boots; while :; do n=$((n+1)); echo $n >> /data/log; echo $n > /data/scratch-$n; rm -f /data/scratch-$((n-5)); sleep 0.01; done";
    await platform.post('/cartridges', aCartridge({ type: 'ledger', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data' }] }, property: [{ name: 'payload_parameter.START_COMMAND', value: start }, { name: 'migration.mode', value: 'live' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'ledger', components: { cartridges: [aSubscription('ledger', 'ledger', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'ledger', deploymentPolicy: 'dp-docker' } })] } }));
    await platform.post('/applications/ledger/deploy/ap-np-docker', undefined, 202);
    try {
      await until('ledger Active', async () => (await platform.runtime('ledger')).status === 'Active', 120_000);
      const [before] = await membersOf('ledger');
      expect(before.partitionId).toBe('home');
      const platformId = await platformIdOf(platform.home);
      const inVolume = async (engineDocker: Docker, socket: string | null, command: string) => {
        const { Volumes } = await engineDocker.listVolumes({ filters: { label: [`${Label.platform}=${platformId}`, `${Label.cluster}=ledger.ledger`] } });
        if (!Volumes?.length) return null;
        const run = spawnSync('docker', [...(socket ? ['-H', `unix://${socket}`] : []), 'run', '--rm', '--network', 'none', '-v', `${Volumes[0].Name}:/v`, '--entrypoint', '/bin/sh', AGENT_IMAGE, '-c', command], { encoding: 'utf8' });
        return run.status === 0 ? run.stdout.trim() : null;
      };
      const main = new Docker();
      await until('a second of counting', async () => Number(await inVolume(main, null, "sed -n '$p' /v/log")) > 50);

      const moved = await runCli(['member', 'migrate', before.memberId, '--to', 'eu-a'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 180_000 });
      expect([moved.code, moved.stderr.slice(-400)]).toEqual([0, expect.any(String)]);
      const printed = /^migrated \S+ live to np-docker\/eu-a \(docker@eu\) in ([\d.]+) s; frozen ([\d.]+) s, ([\d.]+) MB copied in (\d+) rounds$/m.exec(moved.stdout);
      expect(printed).not.toBeNull();
      process.stdout.write(`live migration: a docker member writing 100 files/s moved to the other engine in ${printed![1]} s, frozen ${printed![2]} s, ${printed![4]} rounds\n`);
      const [after] = await membersOf('ledger');
      expect([after.memberId, after.sid, after.status, after.partitionId, after.driver]).toEqual([before.memberId, 1, 'Active', 'eu-a', 'docker@eu']);
      expect(await main.listContainers({ all: true, filters: { label: [`${Label.member}=${before.memberId}`] } })).toEqual([]);
      // Counting on, on eu, from where the frozen source stopped: 1, 2, 3, … with no line lost, torn or repeated.
      let boots: string | null = null;
      await until('it counts on, on eu', async () => (boots = await inVolume(engine.docker, engine.socket, 'cat /v/boots')) === 'boot\nboot').catch((error: Error) => {
        throw new Error(`${error.message}: /data/boots there is ${JSON.stringify(boots)}; its log: ${JSON.stringify(spawnSync('docker', ['-H', `unix://${engine.socket}`, 'logs', after.instanceId!], { encoding: 'utf8' }).stdout.slice(-1500))}`);
      });
      const log = (await inVolume(engine.docker, engine.socket, 'cat /v/log'))!.split('\n');
      expect(log.findIndex((line, i) => line !== String(i + 1))).toBe(-1);
      // What it removed between rounds is gone there too: only its last few scratch files.
      expect(Number(await inVolume(engine.docker, engine.socket, 'ls /v | grep -c scratch'))).toBeLessThanOrEqual(12);
      expect(await inVolume(main, null, 'true')).toBeNull(); // the source engine keeps no copy
    } finally {
      await platform.post('/applications/ledger/undeploy', undefined, 202);
      await until('ledger undeployed', async () => (await platform.api('GET', '/applications/ledger/runtime')).status === 404, 60_000);
    }
  }, 300_000);

  it("rolls a migration back when the target's engine dies mid-copy: the member runs on the source again with its data; once the engine is back, migrating there succeeds", async () => {
    const start = '[ -f /data/seed ] || { head -c 268435456 /dev/urandom > /data/seed.part && mv /data/seed.part /data/seed; }; exec sleep 3600';
    await platform.post('/cartridges', aCartridge({ type: 'heavy', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data', removeOnTermination: true }] }, property: [{ name: 'payload_parameter.START_COMMAND', value: start }] }));
    await platform.post('/applications', anApplication({ applicationId: 'heavy', components: { cartridges: [aSubscription('heavy', 'heavy', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'heavy', deploymentPolicy: 'dp-docker' } })] } }));
    await platform.post('/applications/heavy/deploy/ap-np-docker', undefined, 202);
    await until('heavy Active', async () => (await platform.runtime('heavy')).status === 'Active', 120_000);
    const [before] = await membersOf('heavy');
    expect(before.partitionId).toBe('home');
    const seedOf = () => spawnSync('docker', ['exec', `stratos-${before.memberId}`, '/bin/sh', '-c', 'test -f /data/seed && sha256sum /data/seed'], { encoding: 'utf8' }).stdout.trim();
    const seed = await until('the seed written', async () => seedOf() || undefined, 60_000);

    const { migrationId } = await platform.post(`/members/${before.memberId}/migrate`, { to: 'eu-a' }, 202);
    await until('the copy under way', async () => (await platform.api('GET', `/migrations/${migrationId}`)).body.phase === 'Copying', 60_000);
    await engine.kill();
    try {
      const ended = await until('the migration ended', async () => {
        const { body } = await platform.api('GET', `/migrations/${migrationId}`);
        return ['Done', 'Failed'].includes(body.phase) && body;
      }, 90_000);
      expect(ended).toMatchObject({ phase: 'Failed', reason: expect.any(String) });
      const [after] = await membersOf('heavy');
      expect([after.memberId, after.sid, after.partitionId, after.driver]).toEqual([before.memberId, 1, 'home', 'docker']);
      await until('Active on the source again', async () => (await membersOf('heavy'))[0]?.status === 'Active', 60_000);
      expect(seedOf()).toBe(seed);
    } finally {
      await engine.start();
    }
    // The target, back, runs nothing of it; migrating again there succeeds (whatever the crash left of the copy is replaced), with the data whole.
    expect(await engine.docker.listContainers({ all: true, filters: { label: [`${Label.member}=${before.memberId}`] } })).toEqual([]);
    const { migrationId: again } = await platform.post(`/members/${before.memberId}/migrate`, { to: 'eu-a' }, 202);
    const done = await until('the second migration ended', async () => {
      const { body } = await platform.api('GET', `/migrations/${again}`);
      return ['Done', 'Failed'].includes(body.phase) && body;
    }, 120_000);
    expect([done.phase, done.reason]).toEqual(['Done', null]);
    const onEu = spawnSync('docker', ['-H', `unix://${engine.socket}`, 'exec', `stratos-${before.memberId}`, '/bin/sh', '-c', 'sha256sum /data/seed'], { encoding: 'utf8' }).stdout.trim();
    expect(onEu).toBe(seed);
    expect((await engine.docker.listContainers({ all: true, filters: { label: [`${Label.platform}=${await platformIdOf(platform.home)}`] } })).map((c) => c.Labels[Label.member])).toEqual([before.memberId]);
    await platform.post('/applications/heavy/undeploy', undefined, 202);
    await until('heavy undeployed', async () => (await platform.api('GET', '/applications/heavy/runtime')).status === 404, 60_000);
    // The source engine too: the container it read the volume through is gone, and the volume went at the undeploy (removeOnTermination).
    const main = new Docker();
    expect((await main.listContainers({ all: true })).filter((c) => c.Mounts.some((m) => m.Name?.includes('heavy.heavy-data')))).toEqual([]);
    expect((await main.listVolumes({ filters: { label: [`${Label.cluster}=heavy.heavy`] } })).Volumes ?? []).toEqual([]);
  }, 300_000);

  it("says a region's engine does not answer once it is gone, and a member lost with it is replaced in a region that answers", async () => {
    await platform.post('/applications/spread/deploy/ap-np-docker', undefined, 202);
    await until('spread Active', async () => (await platform.runtime('spread')).status === 'Active', 120_000);
    const lostWithIt = (await membersOf('spread')).find((m) => m.driver === 'docker@eu')!;
    await engine.stop();
    const eu = (await regions()).find((r) => r.driverName === 'docker@eu')!;
    expect(eu).toEqual(expect.objectContaining({ answers: false, reason: expect.stringMatching(/ENOENT|ECONNREFUSED|connect/), members: 0 }));
    expect((await regions()).filter((r) => r.answers).map((r) => r.driverName)).toEqual(['docker', 'local', 'local@west']);
    // Its member's agent went silent with its engine: Lost, and its replacement goes where the policy has room in a region that answers.
    const replaced = await until(
      'two Active members of spread, both on the default engine',
      async () => {
        const members = (await membersOf('spread')).filter((m) => m.status === 'Active');
        return members.length === 2 && members.every((m) => m.driver === 'docker') ? members : undefined;
      },
      90_000,
    );
    expect(replaced.map((m) => m.partitionId)).toEqual(['home', 'home']);
    expect(replaced.some((m) => m.memberId === lostWithIt.memberId)).toBe(false);
    await platform.post('/applications/spread/undeploy', undefined, 202);
    await until('spread undeployed', async () => (await platform.api('GET', '/applications/spread/runtime')).status === 404, 60_000);
  }, 240_000);
});
