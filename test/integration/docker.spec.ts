/**
 * The docker driver on a real engine, what is its own (what every container driver does is in
 * container-drivers.spec.ts): members on the platform's network with limits and dropped
 * capabilities, persistent volumes kept after undeploy, memory limits held, load and memory from
 * the container's cgroup; a container that dies is seen at once from the engine's events, not at
 * the next resync.
 */
import { spawnSync } from 'node:child_process';
import { Label } from '@stratos/iaas';
import type { ApplicationRuntime, MemberView } from '@stratos/contracts';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { spinnerCommand } from '../support/workloads';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const docker = dockerForTests();

(docker ? describe : describe.skip)('the docker driver', () => {
  let platform: TestPlatform;
  let platformId: string;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const runtime = (id: string) => platform.runtime(id);
  const active = (rt: ApplicationRuntime): MemberView[] => rt.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active');
  const ours = async () => docker!.listContainers({ all: true, filters: { label: [`${Label.platform}=${platformId}`] } });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', docker: 'on' });
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await post('/cartridges', aCartridge({ type: 'dweb', iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data', removeOnTermination: false }] } }));
    await post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'host' }] }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitions: [{ id: 'host', partitionMax: 5 }] }] }));
    await post('/applicationPolicies', anApplicationPolicy({ id: 'ap-docker', networkPartitions: ['np-docker'] }));
    platformId = (await readFile(join(platform.home, 'platform-id'), 'utf8')).trim();
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('runs members as labelled containers, heals a killed one, removes orphans, keeps volumes and touches nothing unlabelled', async () => {
    await post('/applications', anApplication({ applicationId: 'dapp', components: { cartridges: [aSubscription('dweb', 'dapp-web', { subscribableInfo: { alias: 'dapp-web', deploymentPolicy: 'dp-docker' } })] } }));
    await post('/applications/dapp/deploy/ap-docker', undefined, 202);
    const [member] = active(await until('dapp Active', async () => ((await runtime('dapp')).status === 'Active' ? runtime('dapp') : undefined)));
    expect(member.driver).toBe('docker');
    const info = await docker!.getContainer(member.instanceId!).inspect();
    expect(info.Config.Labels).toMatchObject({ [Label.platform]: platformId, [Label.member]: member.memberId, [Label.cluster]: 'dapp.dapp-web', [Label.application]: 'dapp' });
    expect(info.HostConfig.Init).toBe(true);
    // Held: safe default limits, no new privileges, root's capabilities cut to the few a member needs.
    expect(info.HostConfig).toMatchObject({ Memory: 1024 ** 3, MemorySwap: 1024 ** 3, PidsLimit: 1024, SecurityOpt: ['no-new-privileges:true'], CapDrop: ['ALL'] });
    expect([...(info.HostConfig.CapAdd ?? [])].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID']);
    expect(info.Mounts.map((m) => m.Destination)).toEqual(['/data']);
    const volumeName = info.Mounts[0].Name!;
    expect(volumeName).toBe(`stratos-${platformId.slice(0, 8)}-dapp.dapp-web-data-1`);
    // On the platform's own network: an address of its own, its declared port.
    expect(info.HostConfig.NetworkMode).toBe(`stratos-${platformId.slice(0, 8)}`);
    expect(member.host).toBe(info.NetworkSettings.Networks[`stratos-${platformId.slice(0, 8)}`].IPAddress);
    expect(member.ports[0]).toMatchObject({ port: 8080, hostPort: 8080 });
    const answer = (await (await fetch(`http://${member.host}:${member.ports[0].hostPort}/`)).json()) as { memberId: string };
    expect(answer.memberId).toBe(member.memberId);
    // stratos member logs reads the container's output.
    const logs = await platform.api('GET', `/members/${member.memberId}/logs`);
    expect(logs.body.text).toContain(`agent: member ${member.memberId} of dapp.dapp-web connected to the broker`);

    await docker!.getContainer(member.instanceId!).kill();
    const replacement = await until('a replacement Active', async () => active(await runtime('dapp')).find((m) => m.memberId !== member.memberId));
    expect(replacement.driver).toBe('docker');

    const bystander = await docker!.createContainer({ Image: AGENT_IMAGE, Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } });
    await bystander.start();
    const orphan = await docker!.createContainer({ Image: AGENT_IMAGE, Cmd: ['sleep', '60'], Labels: { [Label.platform]: platformId, [Label.member]: 'nobody-1', [Label.cluster]: 'x', [Label.application]: 'x' }, HostConfig: { NetworkMode: 'none', Init: true } });
    // The sweep may take it between create and start (a created container with the platform's label and no member is an orphan too).
    await orphan.start().catch((error: Error) => {
      if (!/marked for removal|no such container/i.test(error.message)) throw error;
    });
    await until('the orphan removed', async () => !(await ours()).some((c) => c.Id === orphan.id));
    expect((await bystander.inspect()).State.Running).toBe(true);
    await bystander.remove({ force: true });

    await post('/applications/dapp/undeploy', undefined, 202);
    await until('dapp gone', async () => (await platform.api('GET', '/applications/dapp/runtime')).status === 404);
    expect(await ours()).toEqual([]);
    const volume = await docker!.getVolume(volumeName).inspect();
    expect(volume.Labels).toMatchObject({ [Label.platform]: platformId, [Label.volume]: 'data' });
    await docker!.getVolume(volumeName).remove();
  });

  it("holds a member to its cartridge's memory limit (a workload that outgrows it is killed), and refuses a bad limit at deploy", async () => {
    const hog = "node -e \"const a=[];setInterval(()=>a.push(Buffer.alloc(8<<20,1)),20)\"";
    await post('/cartridges', aCartridge({ type: 'dhog', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], property: [{ name: 'container.memory', value: '96m' }, { name: 'container.pids', value: '64' }, { name: 'payload_parameter.START_COMMAND', value: hog }] }));
    await post('/applications', anApplication({ applicationId: 'dhog', components: { cartridges: [aSubscription('dhog', 'dhog-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'dhog-1', deploymentPolicy: 'dp-docker' } })] } }));
    const watch = await platform.watchEvents();
    try {
      await post('/applications/dhog/deploy/ap-docker', undefined, 202);
      const launched = await until('dhog launched', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'dhog.dhog-1' && e.payload.member.instanceId));
      const limits = await docker!.getContainer(launched.payload.member.instanceId).inspect().then((i) => i.HostConfig, () => null);
      if (limits) expect(limits).toMatchObject({ Memory: 96 * 1024 ** 2, PidsLimit: 64 });
      const killed = await until('the hog killed', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'dhog.dhog-1' && e.payload.member.status === 'Lost'), 60_000);
      expect(killed.payload.reason).toMatch(/is gone: killed at its memory limit \(out of memory\)$/);
    } finally {
      await watch.close();
    }
    await post('/applications/dhog/undeploy?force=true', undefined, 202);
    await until('dhog gone', async () => (await platform.api('GET', '/applications/dhog/runtime')).status === 404);

    await post('/cartridges', aCartridge({ type: 'dbadlimit', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], property: [{ name: 'container.memory', value: 'plenty' }] }));
    await post('/applications', anApplication({ applicationId: 'dbad', components: { cartridges: [aSubscription('dbadlimit', 'dbad-1', { subscribableInfo: { alias: 'dbad-1', deploymentPolicy: 'dp-docker' } })] } }));
    const refused = await platform.api('POST', '/applications/dbad/deploy/ap-docker');
    expect([refused.status, refused.body.errors]).toEqual([400, [{ path: '/cartridges/dbadlimit/property/0/value', message: 'must be a size from 6m to 1024g, such as 512m or 2g' }]]);
  }, 120_000);
  it("reports its member's own load and memory from its container's cgroup, as shares of its limits", async () => {
    // 20 ms of CPU in every 100 ms: 40 % of a half-core limit; about 40 MB of Node.js in 256 MB.
    const busy = spinnerCommand();
    await post('/cartridges', aCartridge({ type: 'dbusy', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], property: [{ name: 'container.memory', value: '256m' }, { name: 'container.cpus', value: '0.5' }, { name: 'payload_parameter.START_COMMAND', value: busy }] }));
    await post('/applications', anApplication({ applicationId: 'dbusy', components: { cartridges: [aSubscription('dbusy', 'dbusy-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'dbusy-1', deploymentPolicy: 'dp-docker' } })] } }));
    await post('/applications/dbusy/deploy/ap-docker', undefined, 202);
    // A load needs two readings; the first one's spans the start of the agent and the workload (seen in CI: 171 %), so
    // the one taken is a report at least 2 s after the first: the workload's steady share.
    let first: number | undefined;
    const health = await until(
      'a load reported from the cgroup past the start',
      async () => {
        const [member] = (await runtime('dbusy')).clusters[0].members;
        const reported = member?.status === 'Active' && (member.health?.loadAverage ?? 0) > 0 ? member.health : undefined;
        if (!reported) return undefined;
        first ??= Date.parse(reported.timestamp);
        return Date.parse(reported.timestamp) >= first + 2000 ? reported : undefined;
      },
      60_000,
    );
    process.stdout.write(`a docker member's own statistics (cgroup): load ${health!.loadAverage} % of 0.5 CPU, memory ${health!.memoryConsumption} % of 256 MB\n`);
    expect(health!.loadAverage).toBeGreaterThan(20);
    expect(health!.loadAverage).toBeLessThanOrEqual(150); // the quota holds it to 0.5 CPU: about 100 % at most (a first reading spans the workload's start)
    expect(health!.memoryConsumption).toBeGreaterThan(5); // of the host's 24 GB it would be under 1 %
    expect(health!.memoryConsumption).toBeLessThan(80);
    await post('/applications/dbusy/undeploy?force=true', undefined, 202);
    await until('dbusy gone', async () => (await platform.api('GET', '/applications/dbusy/runtime')).status === 404);
  }, 120_000);
});

(docker ? describe : describe.skip)('the docker driver, its engine watched', () => {
  // The periodic resync is ten minutes away: what the reconciler does within the test, an event made it do.
  let platform: TestPlatform;
  const tag = `stratos-test/dies-at-once-${process.pid}:v1`;

  beforeAll(async () => {
    // An image whose containers exit two seconds after they start: their agent never connects, so no Last Will can tell.
    const created = spawnSync('docker', ['create', '--network', 'none', AGENT_IMAGE], { encoding: 'utf8' });
    expect(created.status).toBe(0);
    expect(spawnSync('docker', ['commit', '--change', 'CMD ["/bin/sh", "-c", "sleep 2; exit 3"]', created.stdout.trim(), tag]).status).toBe(0);
    spawnSync('docker', ['rm', created.stdout.trim()]);
    platform = await startTestPlatform({ broker: 'aedes', docker: 'on', reconcileIntervalMs: 600_000 });
    await platform.post('/cartridges', aCartridge({ type: 'dquitter', portMapping: [], iaasProvider: [{ type: 'docker', imageId: tag }] }));
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-docker', provider: 'docker', partitions: [{ id: 'host' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-docker', networkPartitions: [{ id: 'np-docker', partitions: [{ id: 'host', partitionMax: 5 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-docker', networkPartitions: ['np-docker'] }));
    await platform.post('/applications', anApplication({ applicationId: 'quitter', components: { cartridges: [aSubscription('dquitter', 'quitter-1', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'quitter-1', deploymentPolicy: 'dp-docker' } })] } }));
  });
  afterAll(async () => {
    await platform?.stop();
    spawnSync('docker', ['image', 'rm', '-f', tag], { stdio: 'ignore' });
  });

  it('marks a container that dies before its agent connects Lost when it dies, from the engine\'s events', async () => {
    const watch = await platform.watchEvents();
    try {
      await platform.post('/applications/quitter/deploy/ap-docker', undefined, 202);
      const lost = await until('the quitter Lost', async () => watch.events.find((e) => e.type === 'MemberStatusChanged' && e.payload.clusterId === 'quitter.quitter-1' && e.payload.member.status === 'Lost'));
      expect(lost.payload.reason).toMatch(/is gone: exited with code 3$/);
    } finally {
      await watch.close();
    }
    await platform.post('/applications/quitter/undeploy?force=true', undefined, 202);
  });
});
