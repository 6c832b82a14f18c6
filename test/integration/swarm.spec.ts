/**
 * The swarm driver on a real two-node Swarm (test/support/swarm.ts: two dockerds, each in a
 * network namespace of its own on this machine): members as one-replica services placed by their
 * partition's zone or constraint on the node it allows, reachable at that node's address on the
 * port it published, healed by the platform (Swarm restarts nothing; the driver reports a member's
 * ended task), and gone with the undeploy.
 */
import { Label, PLATFORM_HOST_LABEL, SwarmDriver } from '@stratos/iaas';
import type { ApplicationRuntime, MemberView } from '@stratos/contracts';
import { AGENT_IMAGE, dockerForTests } from '../support/docker';
import { ownSwarmAvailable, startOwnSwarm, type OwnSwarm } from '../support/swarm';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const runs = dockerForTests() !== null && ownSwarmAvailable();

(runs ? describe : describe.skip)('the swarm driver', () => {
  let swarm: OwnSwarm;
  let platform: TestPlatform;
  const post = (path: string, body?: unknown, status = 201) => platform.post(path, body, status);
  const active = (rt: ApplicationRuntime): MemberView[] => rt.clusters.flatMap((c) => c.members).filter((m) => m.status === 'Active');
  const services = async () =>
    (await swarm.manager.docker.listServices({ filters: { label: [Label.member] } })) as unknown as {
      ID: string;
      Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Env: string[]; Hosts: string[] }; RestartPolicy?: { Condition?: string }; Placement?: { Constraints?: string[] } } };
    }[];

  beforeAll(async () => {
    swarm = await startOwnSwarm([AGENT_IMAGE]);
    platform = await startTestPlatform({ broker: 'aedes', swarm: { endpoint: swarm.endpoint, platformHost: swarm.hostAddress, otherPlatformHosts: [swarm.secondHostAddress] } });
    await post('/cartridges', aCartridge({ type: 'sweb', iaasProvider: [{ type: 'swarm', imageId: AGENT_IMAGE }] }));
    await post('/networkPartitions', aNetworkPartition({
      id: 'np-swarm',
      provider: 'swarm',
      partitions: [
        { id: 'zone-a', property: [{ name: 'zone', value: 'a' }] },
        { id: 'zone-b', property: [{ name: 'constraint', value: 'node.labels.zone==b' }] },
      ],
    }));
    await post('/autoscalingPolicies', anAutoscalingPolicy());
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-swarm', networkPartitions: [{ id: 'np-swarm', partitionAlgo: 'round-robin', partitions: [{ id: 'zone-a', partitionMax: 1 }, { id: 'zone-b', partitionMax: 1 }] }] }));
    await post('/applicationPolicies', anApplicationPolicy({ id: 'ap-swarm', networkPartitions: ['np-swarm'] }));
  }, 240_000);
  afterAll(async () => {
    await platform?.stop();
    await swarm?.stop();
  }, 120_000);

  it('refuses a partition whose constraint is not Swarm syntax, at its pointer, and stores nothing', async () => {
    const response = await platform.api('POST', '/networkPartitions', { body: aNetworkPartition({ id: 'np-bad', provider: 'swarm', partitions: [{ id: 'p', property: [{ name: 'constraint', value: 'zone = a' }] }] }) });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: '/partitions/0/property/0/value', message: expect.stringContaining('Swarm placement constraint') })]);
    expect((await platform.api('GET', '/networkPartitions/np-bad')).status).toBe(404);
  });

  it('refuses a deploy when no Ready node meets any of a cluster\'s partitions, naming the nodes there are; deploys with a warning when one of them is met', async () => {
    await post('/networkPartitions', aNetworkPartition({
      id: 'np-nowhere',
      provider: 'swarm',
      partitions: [
        { id: 'zone-c', property: [{ name: 'zone', value: 'c' }] },
        { id: 'zone-a2', property: [{ name: 'zone', value: 'a' }] },
      ],
    }));
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-nowhere', networkPartitions: [{ id: 'np-nowhere', partitionAlgo: 'round-robin', partitions: [{ id: 'zone-c', partitionMax: 1 }] }] }));
    // Round-robin over a partition no node meets and one that is met: every member goes to the met one.
    await post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-partly', networkPartitions: [{ id: 'np-nowhere', partitionAlgo: 'round-robin', partitions: [{ id: 'zone-c', partitionMax: 2 }, { id: 'zone-a2', partitionMax: 2 }] }] }));
    await post('/applicationPolicies', anApplicationPolicy({ id: 'ap-nowhere', networkPartitions: ['np-nowhere'] }));
    const app = (id: string, policy: string, size = 1) => anApplication({ applicationId: id, components: { cartridges: [aSubscription('sweb', `${id}-web`, { cartridgeMin: size, cartridgeMax: size, subscribableInfo: { alias: `${id}-web`, deploymentPolicy: policy } })] } });
    await post('/applications', app('nowhere', 'dp-nowhere'));
    const before = (await services()).length;
    const refused = await platform.api('POST', '/applications/nowhere/deploy/ap-nowhere');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: '/networkPartitions/np-nowhere/partitions/zone-c/property', message: expect.stringMatching(/no Ready, active swarm node meets node\.labels\.zone==c \(Ready: /) })]);
    for (const zone of ['zone=a', 'zone=b']) expect(refused.body.errors[0].message).toContain(zone); // the nodes there are
    expect((await platform.api('GET', '/applications/nowhere/runtime')).status).toBe(404);
    expect(await services()).toHaveLength(before);

    await post('/applications', app('partly', 'dp-partly', 2));
    const accepted = await post('/applications/partly/deploy/ap-nowhere', undefined, 202);
    expect(accepted.warnings).toEqual([expect.stringMatching(/^cluster "partly-web": partition "zone-c" of network partition "np-nowhere" has no node to run a member on now: no Ready, active swarm node meets node\.labels\.zone==c/)]);
    await until('both members of partly Active, in the partition a node meets', async () => active(await platform.runtime('partly')).filter((m) => m.partitionId === 'zone-a2').length === 2, 120_000);
    expect((await platform.runtime('partly')).clusters.flatMap((c) => c.members).filter((m) => m.partitionId === 'zone-c')).toEqual([]);
    expect((await services()).filter((s) => s.Spec.TaskTemplate.Placement?.Constraints?.includes('node.labels.zone==c'))).toEqual([]);
    await post('/applications/partly/undeploy', undefined, 202);
    await until('partly gone', async () => (await platform.api('GET', '/applications/partly/runtime')).status === 404, 120_000);
  }, 300_000);

  it('places members on the nodes their partitions allow, serves at the node, heals a killed member and leaves nothing after undeploy', async () => {
    await post('/applications', anApplication({ applicationId: 'sapp', components: { cartridges: [aSubscription('sweb', 'sapp-web', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'sapp-web', deploymentPolicy: 'dp-swarm' } })] } }));
    await post('/applications/sapp/deploy/ap-swarm', undefined, 202);
    const members = await until('both members Active', async () => {
      const found = active(await platform.runtime('sapp'));
      return found.length === 2 ? found : undefined;
    }, 120_000);
    const inZone = (zone: string) => members.find((m) => m.partitionId === zone)!;
    // Each on its zone's node, at that node's address, on the port the node published for 8080.
    expect(inZone('zone-a').host).toBe(swarm.manager.address);
    expect(inZone('zone-b').host).toBe(swarm.worker.address);
    for (const member of members) {
      expect(member.driver).toBe('swarm');
      expect(member.ports[0]).toMatchObject({ port: 8080, hostPort: expect.any(Number) });
      expect(member.ports[0].hostPort).toBeGreaterThanOrEqual(20_000);
      const answer = (await (await fetch(`http://${member.host}:${member.ports[0].hostPort}/`)).json()) as { memberId: string };
      expect(answer.memberId).toBe(member.memberId);
    }
    // One service each, labelled, not restarted by Swarm, constrained as its partition says.
    const made = await services();
    expect(made).toHaveLength(2);
    const serviceOf = (m: MemberView) => made.find((s) => s.Spec.Labels[Label.member] === m.memberId)!;
    expect(serviceOf(inZone('zone-a')).Spec.TaskTemplate).toMatchObject({ RestartPolicy: { Condition: 'none' }, Placement: { Constraints: ['node.labels.zone==a'] } });
    expect(serviceOf(inZone('zone-b')).Spec.TaskTemplate.Placement?.Constraints).toEqual(['node.labels.zone==b']);
    // A driver watching the swarm (as the controller's does), from before the kill below: told when a member's task ends, on any node.
    const watcher = new SwarmDriver({ platformId: serviceOf(inZone('zone-b')).Spec.Labels[Label.platform], docker: swarm.manager.docker });
    const exited: string[] = [];
    watcher.onInstanceExit((instanceId) => exited.push(instanceId));
    const logs = await platform.api('GET', `/members/${inZone('zone-b').memberId}/logs`);
    expect(logs.body.text).toContain(`member ${inZone('zone-b').memberId} of sapp.sapp-web connected to the broker`);

    // The worker's member dies (its container killed on its node): the platform replaces it, in its zone.
    const victim = inZone('zone-b');
    const [container] = await swarm.worker.docker.listContainers({ filters: { label: [`${Label.member}=${victim.memberId}`] } });
    await swarm.worker.docker.getContainer(container.Id).kill();
    await until("the watching driver told of the victim's service", async () => exited.includes(serviceOf(victim).ID), 30_000);
    await watcher.close();
    const replacement = await until('a replacement Active in zone-b', async () => active(await platform.runtime('sapp')).find((m) => m.partitionId === 'zone-b' && m.memberId !== victim.memberId), 120_000);
    expect(replacement.host).toBe(swarm.worker.address);
    await until('the dead member\'s service removed', async () => !(await services()).some((s) => s.Spec.Labels[Label.member] === victim.memberId), 30_000);

    await post('/applications/sapp/undeploy', undefined, 202);
    await until('sapp gone', async () => (await platform.api('GET', '/applications/sapp/runtime')).status === 404, 60_000);
    expect(await services()).toEqual([]);
    await until('no member container left on either node', async () => {
      const left = [...(await swarm.manager.docker.listContainers({ all: true, filters: { label: [Label.member] } })), ...(await swarm.worker.docker.listContainers({ all: true, filters: { label: [Label.member] } }))];
      return left.length === 0;
    }, 30_000);
  }, 300_000);

  it('gives the members of a node labelled stratos.platform-host that address for the platform, and holds them to such nodes', async () => {
    await swarm.label(swarm.worker, { [PLATFORM_HOST_LABEL]: swarm.secondHostAddress });
    try {
      await post('/applications', anApplication({ applicationId: 'papp', components: { cartridges: [aSubscription('sweb', 'papp-web', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'papp-web', deploymentPolicy: 'dp-swarm' } })] } }));
      await post('/applications/papp/deploy/ap-swarm', undefined, 202);
      // Active: each agent reached the broker at the address it was given (the worker's only knows the second one).
      const members = await until('both members Active', async () => {
        const found = active(await platform.runtime('papp'));
        return found.length === 2 ? found : undefined;
      }, 120_000);
      const made = await services();
      const specOf = (zone: string) => made.find((s) => s.Spec.Labels[Label.member] === members.find((m) => m.partitionId === zone)!.memberId)!.Spec.TaskTemplate;
      const brokerUrlOf = (zone: string) => specOf(zone).ContainerSpec.Env.find((e) => e.startsWith('MB_URLS='));
      expect(specOf('zone-b').ContainerSpec.Hosts).toEqual([`${swarm.secondHostAddress} platform.stratos.internal`]);
      expect(brokerUrlOf('zone-b')).toContain(`//${swarm.secondHostAddress}:`);
      expect(specOf('zone-b').Placement?.Constraints).toEqual(['node.labels.zone==b', `node.labels.${PLATFORM_HOST_LABEL}==${swarm.secondHostAddress}`]);
      // The unlabelled node's member: the swarm's address, kept off the labelled nodes.
      expect(specOf('zone-a').ContainerSpec.Hosts).toEqual([`${swarm.hostAddress} platform.stratos.internal`]);
      expect(brokerUrlOf('zone-a')).toContain(`//${swarm.hostAddress}:`);
      expect(specOf('zone-a').Placement?.Constraints).toEqual(['node.labels.zone==a', `node.labels.${PLATFORM_HOST_LABEL}!=${swarm.secondHostAddress}`]);
      await post('/applications/papp/undeploy', undefined, 202);
      await until('papp gone', async () => (await platform.api('GET', '/applications/papp/runtime')).status === 404, 60_000);
    } finally {
      await swarm.label(swarm.worker, { [PLATFORM_HOST_LABEL]: null });
    }
  }, 300_000);
  it("kills at once, at a forced undeploy, the member on the manager's node; the other node's member has its grace", async () => {
    await post('/applications', anApplication({ applicationId: 'fapp', components: { cartridges: [aSubscription('sweb', 'fapp-web', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'fapp-web', deploymentPolicy: 'dp-swarm' } })] } }));
    await post('/applications/fapp/deploy/ap-swarm', undefined, 202);
    const members = await until('both members Active', async () => {
      const found = active(await platform.runtime('fapp'));
      return found.length === 2 ? found : undefined;
    }, 120_000);
    // The signals each engine sends the members' containers, in order, from before the undeploy.
    const signals = new Map<string, string[]>();
    const streams = await Promise.all([swarm.manager, swarm.worker].map(async (node) => {
      const stream = (await node.docker.getEvents({ filters: { type: ['container'], event: ['kill'], label: [Label.member] } })) as NodeJS.ReadableStream & { destroy(): void };
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (buffered + chunk.toString()).split('\n');
        buffered = lines.pop()!; // a line not ended yet
        for (const line of lines.filter(Boolean)) {
          const event = JSON.parse(line) as { Actor: { Attributes: Record<string, string> } };
          const member = event.Actor.Attributes[Label.member];
          signals.set(member, [...(signals.get(member) ?? []), event.Actor.Attributes.signal]);
        }
      });
      return stream;
    }));
    try {
      await post('/applications/fapp/undeploy?force=true', undefined, 202);
      await until('fapp gone', async () => (await platform.api('GET', '/applications/fapp/runtime')).status === 404, 60_000);
      const inZone = (zone: string) => members.find((m) => m.partitionId === zone)!.memberId;
      expect(signals.get(inZone('zone-a'))?.[0]).toBe('9'); // the manager's node: SIGKILL first
      expect(signals.get(inZone('zone-b'))?.[0]).toBe('15'); // the worker: SIGTERM, its service's grace
    } finally {
      for (const stream of streams) stream.destroy();
    }
  }, 300_000);
});
