/**
 * What every container driver promises, one suite with the driver as its parameter: the docker
 * driver on this machine's engine, and the swarm driver on a two-node Swarm of the test's own
 * (test/support/swarm.ts). The image checked when a cartridge is added and refused at deploy when
 * it is missing; members labelled, serving at the address and port they report, their logs read;
 * a killed member replaced; a labelled instance no member owns removed, an unlabelled one left
 * alone; the cartridge's bundle provisioned and its config rendered from the member's tree; and
 * nothing left after an undeploy. What is one driver's alone is in docker.spec.ts and swarm.spec.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Label } from '@stratos/iaas';
import { packBundle, type ApplicationRuntime, type MemberView } from '@stratos/contracts';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { ownSwarmAvailable, startOwnSwarm, type OwnSwarm } from '../support/swarm';
import { startTestPlatform, until, type TestPlatform, type TestPlatformOptions } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

/** How the suite reaches behind one driver: its engines, and what stands for an instance there. */
interface DriverUnderTest {
  provider: 'docker' | 'swarm';
  platformOptions: Partial<TestPlatformOptions>;
  partitions: { id: string; property?: { name: string; value: string }[] }[];
  /** The driver's instances (containers, services) carrying the platform's label. */
  instances(platformId: string): Promise<string[]>;
  /** The engine and container a member runs in (a swarm member's task container, on its node). */
  containerOf(member: MemberView): Promise<{ engine: Docker; id: string }>;
  /** The platform's containers still running, on every engine the driver uses. */
  runningContainers(platformId: string): Promise<string[]>;
  /** Makes an instance with the platform's label that no member owns; its id. */
  makeOrphan(platformId: string): Promise<string>;
  /** Volumes of a cluster, on every engine the driver uses. */
  volumesOf(platformId: string, clusterId: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function dockerDriver(): Promise<DriverUnderTest> {
  const docker = dockerForTests()!;
  return {
    provider: 'docker',
    platformOptions: { docker: 'on' },
    partitions: [{ id: 'host' }],
    instances: async (platformId) => (await docker.listContainers({ all: true, filters: { label: [`${Label.platform}=${platformId}`] } })).map((c) => c.Id),
    containerOf: async (member) => ({ engine: docker, id: member.instanceId! }),
    runningContainers: async (platformId) => (await docker.listContainers({ filters: { label: [`${Label.platform}=${platformId}`] } })).map((c) => c.Id),
    makeOrphan: async (platformId) => {
      const orphan = await docker.createContainer({ Image: AGENT_IMAGE, Cmd: ['sleep', '60'], Labels: { [Label.platform]: platformId, [Label.member]: 'nobody-1', [Label.cluster]: 'x', [Label.application]: 'x' }, HostConfig: { NetworkMode: 'none', Init: true } });
      // The sweep may take it between create and start (a created container with the platform's label and no member is an orphan too).
      await orphan.start().catch((error: Error) => {
        if (!/marked for removal|no such container/i.test(error.message)) throw error;
      });
      return orphan.id;
    },
    volumesOf: async (platformId, clusterId) => ((await docker.listVolumes({ filters: { label: [`${Label.platform}=${platformId}`, `${Label.cluster}=${clusterId}`] } })).Volumes ?? []).map((v) => v.Name),
    stop: async () => undefined,
  };
}

async function swarmDriver(): Promise<DriverUnderTest> {
  const swarm: OwnSwarm = await startOwnSwarm([AGENT_IMAGE]);
  const nodes = [swarm.manager, swarm.worker];
  const manager = swarm.manager.docker;
  return {
    provider: 'swarm',
    platformOptions: { swarm: { endpoint: swarm.endpoint, platformHost: swarm.hostAddress, nodeSocket: swarm.nodeSocket } },
    partitions: [
      { id: 'zone-a', property: [{ name: 'zone', value: 'a' }] },
      { id: 'zone-b', property: [{ name: 'zone', value: 'b' }] },
    ],
    instances: async (platformId) => ((await manager.listServices({ filters: { label: [`${Label.platform}=${platformId}`] } })) as unknown as { ID: string }[]).map((s) => s.ID),
    containerOf: async (member) => {
      for (const node of nodes) {
        const [container] = await node.docker.listContainers({ filters: { label: [`${Label.member}=${member.memberId}`] } });
        if (container) return { engine: node.docker, id: container.Id };
      }
      throw new Error(`no running container of ${member.memberId} on either node`);
    },
    runningContainers: async (platformId) => {
      const ids: string[] = [];
      for (const node of nodes) ids.push(...(await node.docker.listContainers({ filters: { label: [`${Label.platform}=${platformId}`] } })).map((c) => `${node.name}:${c.Id}`));
      return ids;
    },
    makeOrphan: async (platformId) => {
      const image = ((await manager.getImage(AGENT_IMAGE).inspect()) as { Id: string }).Id;
      const service = (await manager.createService({
        Name: 'stratos-orphan',
        Labels: { [Label.platform]: platformId, [Label.member]: 'nobody-1', [Label.cluster]: 'x', [Label.application]: 'x' },
        TaskTemplate: { ContainerSpec: { Image: image, Command: ['sleep', '60'], Init: true }, RestartPolicy: { Condition: 'none' } },
        Mode: { Replicated: { Replicas: 1 } },
      } as never)) as unknown as { id: string };
      return service.id;
    },
    volumesOf: async (platformId, clusterId) => {
      const names: string[] = [];
      for (const node of nodes) names.push(...((await node.docker.listVolumes({ filters: { label: [`${Label.platform}=${platformId}`, `${Label.cluster}=${clusterId}`] } })).Volumes ?? []).map((v) => v.Name));
      return names;
    },
    stop: () => swarm.stop(),
  };
}

const drivers: [string, () => Promise<DriverUnderTest>, boolean][] = [
  ['docker', dockerDriver, dockerForTests() !== null],
  ['swarm', swarmDriver, dockerForTests() !== null && ownSwarmAvailable()],
];

describe.each(drivers)('the %s driver, as every container driver', (name, makeDriver, available) => {
  if (!available) {
    it.skip(`needs ${name === 'swarm' ? 'a Docker engine and root (the test makes its own two-node swarm)' : 'a Docker engine'}`, () => undefined);
    return;
  }
  let driver: DriverUnderTest;
  let platform: TestPlatform;
  let platformId: string;
  const type = (what: string) => `${name.slice(0, 2)}${what}`; // cartridge types of this suite's own
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const active = (rt: ApplicationRuntime): MemberView[] => rt.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active');
  const activeApplication = (id: string) => until(`${id} Active`, async () => ((await platform.runtime(id)).status === 'Active' ? platform.runtime(id) : undefined), 120_000);
  const gone = (id: string) => until(`${id} gone`, async () => (await platform.api('GET', `/applications/${id}/runtime`)).status === 404, 90_000);
  const read = async (member: MemberView, path: string) => {
    const { engine, id } = await driver.containerOf(member);
    const exec = await engine.getContainer(id).exec({ Cmd: ['cat', path], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => (stream.on('data', (c: Buffer) => chunks.push(c)), stream.on('end', () => resolve())));
    return Buffer.concat(chunks).toString('utf8').replace(/[\u0000-\u0008]/g, '');
  };

  beforeAll(async () => {
    driver = await makeDriver();
    platform = await startTestPlatform({ broker: 'aedes', ...driver.platformOptions });
    platformId = (await readFile(join(platform.home, 'platform-id'), 'utf8')).trim();
    await post('/cartridges', aCartridge({ type: type('web'), iaasProvider: [{ type: driver.provider, imageId: AGENT_IMAGE }] }));
    await post('/cartridges', aCartridge({ type: type('missing'), iaasProvider: [{ type: driver.provider, imageId: 'stratos/not-built:1' }] }));
    await post('/networkPartitions', aNetworkPartition({ id: 'np', provider: driver.provider, partitions: driver.partitions }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp', networkPartitions: [{ id: 'np', partitionAlgo: 'round-robin', partitions: driver.partitions.map((p) => ({ id: p.id, partitionMax: 5 })) }] }));
    await post('/applicationPolicies', anApplicationPolicy({ id: 'ap', networkPartitions: ['np'] }));
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
    await driver?.stop();
  }, 120_000);

  it('says at add time whether the image exists, and refuses to deploy a cartridge whose image is missing', async () => {
    expect((await platform.api('GET', `/cartridges/${type('web')}`)).body.status.providers).toEqual([{ type: driver.provider, driver: driver.provider, imageVerified: true, note: 'image found' }]);
    expect((await platform.api('GET', `/cartridges/${type('missing')}`)).body.status.providers[0]).toMatchObject({ imageVerified: false, note: `image "stratos/not-built:1" not found by the ${driver.provider} driver` });
    await post('/applications', anApplication({ applicationId: 'miss', components: { cartridges: [aSubscription(type('missing'), 'miss-1', { subscribableInfo: { alias: 'miss-1', deploymentPolicy: 'dp' } })] } }));
    const response = await platform.api('POST', '/applications/miss/deploy/ap');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: `/cartridges/${type('missing')}/iaasProvider`, message: expect.stringContaining(`image "stratos/not-built:1" is not on the ${driver.provider} engine`) }]);
    expect(await driver.instances(platformId)).toEqual([]);
  });

  it('runs labelled members that serve where they say, heals a killed one, removes orphans and leaves nothing after undeploy', async () => {
    // Members that take their time to stop (Stratos's clean extension): an undeploy is over only once they have.
    const slowToStop = packBundle([{ path: 'extensions/clean.sh', kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\nsleep 2\n') }]);
    expect((await platform.api('PUT', `/cartridges/${type('web')}/bundle`, { raw: slowToStop, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    await post('/applications', anApplication({ applicationId: 'app', components: { cartridges: [aSubscription(type('web'), 'app-web', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'app-web', deploymentPolicy: 'dp' } })] } }));
    await post('/applications/app/deploy/ap', undefined, 202);
    const members = active(await activeApplication('app'));
    expect(members).toHaveLength(2);
    expect(await driver.instances(platformId)).toHaveLength(2);
    for (const member of members) {
      expect(member.driver).toBe(driver.provider);
      const { engine, id } = await driver.containerOf(member);
      expect((await engine.getContainer(id).inspect()).Config.Labels).toMatchObject({ [Label.platform]: platformId, [Label.member]: member.memberId, [Label.cluster]: 'app.app-web', [Label.application]: 'app' });
      const answer = (await (await fetch(`http://${member.host}:${member.ports[0].hostPort}/`)).json()) as { memberId: string };
      expect(answer.memberId).toBe(member.memberId);
      const logs = await platform.api('GET', `/members/${member.memberId}/logs`);
      expect(logs.body.text).toContain(`member ${member.memberId} of app.app-web connected to the broker`);
    }

    const [victim] = members;
    const { engine, id } = await driver.containerOf(victim);
    await engine.getContainer(id).kill();
    const replacement = await until('a replacement Active', async () => active(await platform.runtime('app')).find((m) => !members.some((old) => old.memberId === m.memberId)), 120_000);
    expect(replacement).toMatchObject({ driver: driver.provider, partitionId: victim.partitionId });
    await until('two instances again (the dead one removed)', async () => (await driver.instances(platformId)).length === 2, 60_000);

    const bystander = await engine.createContainer({ Image: AGENT_IMAGE, Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } });
    await bystander.start();
    const orphan = await driver.makeOrphan(platformId);
    await until('the orphan removed', async () => !(await driver.instances(platformId)).includes(orphan), 60_000);
    expect((await bystander.inspect()).State.Running).toBe(true);
    await bystander.remove({ force: true });

    await post('/applications/app/undeploy', undefined, 202);
    await gone('app');
    expect(await driver.runningContainers(platformId)).toEqual([]); // gone once its members have stopped, not when they were told to
    await until('no instance left', async () => (await driver.instances(platformId)).length === 0, 30_000);
  }, 300_000);

  it("fetches its cartridge's bundle in the member, provisions, renders config from its tree, and removes volumes marked removeOnTermination", async () => {
    await post('/cartridges', aCartridge({ type: type('conf'), portMapping: [], iaasProvider: [{ type: driver.provider, imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'scratch', size: 1, mappingPath: '/scratch', removeOnTermination: true }] } }));
    const bundle = packBundle([
      { path: 'provision/10-install.sh', kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\nmkdir -p /opt/app && echo installed > /opt/app/installed\n') },
      { path: 'confd/conf.d/app.toml', kind: 'file', mode: 0o644, content: Buffer.from('[template]\nsrc = "app.tmpl"\ndest = "/opt/app/app.conf"\nkeys = ["/"]\n') },
      { path: 'confd/templates/app.tmpl', kind: 'file', mode: 0o644, content: Buffer.from('member={{getv "/host/member_id"}} sid={{getv "/host/sid"}} size={{getv "/cluster/size"}}\n') },
    ]);
    expect((await platform.api('PUT', `/cartridges/${type('conf')}/bundle`, { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    await post('/applications', anApplication({ applicationId: 'conf', components: { cartridges: [aSubscription(type('conf'), 'conf-1', { cartridgeMin: 2, subscribableInfo: { alias: 'conf-1', deploymentPolicy: 'dp' } })] } }));
    await post('/applications/conf/deploy/ap', undefined, 202);
    const members = active(await activeApplication('conf'));
    for (const m of members) {
      expect(await read(m, '/opt/app/installed')).toContain('installed');
      await until(`${m.memberId} renders the cluster of two`, async () => (await read(m, '/opt/app/app.conf')).includes(`member=${m.memberId} sid=${m.sid} size=2`));
    }
    expect(await driver.volumesOf(platformId, 'conf.conf-1')).toHaveLength(2); // one per slot
    await post('/applications/conf/undeploy', undefined, 202);
    await gone('conf');
    await until('its volumes removed', async () => (await driver.volumesOf(platformId, 'conf.conf-1')).length === 0, 30_000);
  }, 300_000);
});
