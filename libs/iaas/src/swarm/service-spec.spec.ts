import type Docker from 'dockerode';
import { LaunchKey, PLATFORM_HOST_NAME } from '@stratos/contracts';
import type { LaunchSpec } from '../iaas-driver';
import { Label } from '../labels';
import fc from 'fast-check';
import { choosePorts, nodeAddress, publishedPorts, serviceSpecFor, swarmVolumeName, SWARM_PORT_RANGE, taskOutcome, newestTask, EndedTaskWatch, tasksStillStopping, volumeSweepSpec, type SwarmNode, type SwarmTask } from './service-spec';

const launch = (overrides: Partial<LaunchSpec> = {}): LaunchSpec => ({
  memberId: 'web-1a2b3c4d',
  clusterId: 'app.web',
  applicationId: 'app',
  slot: 2,
  imageId: 'stratos/cartridge-agent:latest',
  env: { [LaunchKey.mbUrls]: 'mqtt://127.0.0.1:1883', [LaunchKey.metadataServiceUrl]: 'http://127.0.0.1:9443/api/metadata', [LaunchKey.tenantId]: '-1234' },
  ports: [{ name: 'http', protocol: 'http', port: 8080 }, { protocol: 'udp', port: 5353 }],
  volumes: [{ id: 'data', mappingPath: '/data' }],
  constraints: ['node.labels.zone==a'],
  ...overrides,
});

describe('the swarm service of a member', () => {
  const spec = serviceSpecFor(launch(), { platformId: 'p1', home: '/srv/stratos', imageId: 'sha256:abc', platformHost: '10.78.1.1', extraConstraints: ['node.id==n2'], hostPorts: [21000, 21001] });
  const container = (spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  const env = Object.fromEntries(container.Env!.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

  it('is one replica Swarm never restarts, named and labelled by its member, from the image by id', () => {
    expect(spec.Name).toBe('stratos-web-1a2b3c4d');
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(spec.TaskTemplate!.RestartPolicy).toEqual({ Condition: 'none' });
    expect(container.Image).toBe('sha256:abc');
    expect(container.Init).toBe(true);
    expect(spec.Labels).toEqual({ [Label.platform]: 'p1', [Label.home]: '/srv/stratos', [Label.member]: 'web-1a2b3c4d', [Label.cluster]: 'app.web', [Label.application]: 'app' });
    expect(container.Labels).toEqual(spec.Labels);
  });

  it('gives each declared port a node port, published in host mode and the same inside (where the agent serves it)', () => {
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 21000, PublishedPort: 21000, PublishMode: 'host' }, { Protocol: 'udp', TargetPort: 21001, PublishedPort: 21001, PublishMode: 'host' }] });
    expect(JSON.parse(env.PORT_MAPPINGS)).toEqual([{ name: 'http', protocol: 'http', port: 8080, hostPort: 21000 }, { protocol: 'udp', port: 5353, hostPort: 21001 }]);
  });

  it('chooses node ports in its range, none the platform holds, none twice (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.uniqueArray(fc.integer({ min: SWARM_PORT_RANGE.min, max: SWARM_PORT_RANGE.max }), { maxLength: 200 }), (count, held) => {
        const used = new Set(held);
        const chosen = choosePorts(count, used);
        expect(chosen).toHaveLength(count);
        expect(new Set(chosen).size).toBe(count);
        for (const port of chosen) {
          expect(used.has(port)).toBe(false);
          expect(port).toBeGreaterThanOrEqual(SWARM_PORT_RANGE.min);
          expect(port).toBeLessThanOrEqual(SWARM_PORT_RANGE.max);
        }
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('tells the member where the platform is as a node reaches it: the broker at its address, the API by name', () => {
    expect(env[LaunchKey.mbUrls]).toBe('mqtt://10.78.1.1:1883');
    expect(env[LaunchKey.metadataServiceUrl]).toBe(`http://${PLATFORM_HOST_NAME}:9443/api/metadata`);
    expect(container.Hosts).toEqual([`10.78.1.1 ${PLATFORM_HOST_NAME}`]);
  });

  it("holds it to its limits and the member user's few capabilities, constrained as its partition (and its slot) say", () => {
    expect(spec.TaskTemplate!.Resources!.Limits).toEqual({ MemoryBytes: 1024 ** 3, Pids: 1024 });
    expect(container.CapabilityDrop).toEqual(['ALL']);
    expect(env[LaunchKey.memberUser]).toBe('10001:10001');
    expect(spec.TaskTemplate!.Placement).toEqual({ Constraints: ['node.labels.zone==a', 'node.id==n2'] });
    expect(container.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Source: swarmVolumeName('p1', 'app.web', 2, 'data'), Target: '/data' })]);
  });
});

describe("a swarm task's outcome", () => {
  const task = (State: string, extra: Partial<NonNullable<SwarmTask['Status']>> = {}): SwarmTask => ({ ID: 't', ServiceID: 's', Status: { State, ...extra } });

  it.each([
    ['new', 'starting', undefined],
    ['preparing', 'starting', undefined],
    ['running', 'running', undefined],
    ['failed', 'ended', 'exited with code 137'],
    ['shutdown', 'ended', 'exited with code 137'],
    ['orphaned', 'ended', 'its node left the swarm'],
  ])('%s → %s', (state, expected, reason) => {
    const outcome = taskOutcome(task(state, { ContainerStatus: { ExitCode: 137 } }));
    expect(outcome).toEqual({ state: expected, ...(reason && { reason }) });
  });

  it('says why Swarm could not place or start it', () => {
    expect(taskOutcome(task('pending', { Err: 'no suitable node (scheduling constraints not satisfied on 2 nodes)' }))).toEqual({ state: 'ended', reason: 'not placed: no suitable node (scheduling constraints not satisfied on 2 nodes)' });
    expect(taskOutcome(task('rejected', { Err: 'No such image: sha256:abc' }))).toEqual({ state: 'ended', reason: 'rejected: No such image: sha256:abc' });
    expect(taskOutcome(undefined)).toEqual({ state: 'starting' });
  });

  it("keeps a terminate waiting for a removed service's tasks until they stopped, except on a node that is down", () => {
    const on = (id: string, State: string, NodeID: string): SwarmTask => ({ ...task(State), ID: id, NodeID });
    const nodes: SwarmNode[] = [{ ID: 'n1', Status: { State: 'ready' } }, { ID: 'n2', Status: { State: 'down' } }];
    expect(tasksStillStopping([on('a', 'running', 'n1'), on('b', 'shutdown', 'n1'), on('c', 'running', 'n2'), on('d', 'running', 'n3'), { ...task('pending'), ID: 'e' }], nodes).map((t) => t.ID)).toEqual(['a', 'e']); // n3: left the swarm; e: not yet on a node
    expect(tasksStillStopping([on('a', 'complete', 'n1'), on('c', 'running', 'n2')], nodes)).toEqual([]);
    expect(tasksStillStopping([], nodes)).toEqual([]); // reaped: Swarm reaps a removed service's task once it stopped
  });

  it('names each service whose task ended, once, and each seen running whose tasks are gone', () => {
    const watch = new EndedTaskWatch();
    const listing = (states: Record<string, string>) => Object.entries(states).map(([id, state]) => ({ ...task(state), ID: id, ServiceID: `svc-${id}` }));
    expect(watch.look(listing({ a: 'running', b: 'failed', d: 'running' }))).toEqual(['svc-b']);
    expect(watch.look(listing({ a: 'running', b: 'failed', d: 'running' }))).toEqual([]);
    expect(watch.look(listing({ a: 'shutdown', b: 'failed', c: 'orphaned', d: 'running' })).sort()).toEqual(['svc-a', 'svc-c']);
    // d's service removed while it ran (between two looks): told; b and a, already told, are not again.
    expect(watch.look(listing({ c: 'orphaned' }))).toEqual(['svc-d']);
    expect(watch.look(listing({ c: 'orphaned' }))).toEqual([]);
  });

  it('takes the newest task of a service', () => {
    expect(newestTask([{ ...task('failed'), ID: 'old', CreatedAt: '2026-12-03T01:00:00Z' }, { ...task('running'), ID: 'new', CreatedAt: '2026-12-03T02:00:00Z' }])?.ID).toBe('new');
  });

  it('reads where the node published each declared port (once per address family in the engine’s list), or none yet', () => {
    const running: SwarmTask = { ...task('running'), Status: { State: 'running', PortStatus: { Ports: [{ Protocol: 'tcp', TargetPort: 21000, PublishedPort: 21000 }, { Protocol: 'tcp', TargetPort: 21000, PublishedPort: 21000 }] } } };
    expect(publishedPorts(running, [{ name: 'http', protocol: 'http', port: 8080 }], [21000])).toEqual([{ name: 'http', protocol: 'http', port: 8080, hostPort: 21000 }]);
    expect(publishedPorts(task('running'), [{ protocol: 'http', port: 8080 }], [21000])).toBeNull();
    expect(publishedPorts(task('running'), [], [])).toEqual([]);
  });

  it("finds a node's address, a manager's from its manager address where it reports 0.0.0.0", () => {
    expect(nodeAddress({ Status: { Addr: '10.0.0.3' } })).toBe('10.0.0.3');
    expect(nodeAddress({ Status: { Addr: '0.0.0.0' }, ManagerStatus: { Addr: '10.0.0.2:2377' } })).toBe('10.0.0.2');
    expect(nodeAddress({ Status: { Addr: '0.0.0.0' } })).toBeNull();
  });
});

describe("a cluster's volume sweep on the swarm's other nodes", () => {
  const spec = volumeSweepSpec({ platformId: 'p1234567890', clusterId: 'app.web', volumeIds: ['data', 'logs'], imageId: 'sha256:abc', nodeSocket: '/run/{{.Node.Hostname}}.sock', exceptNode: 'manager-1' }) as unknown as {
    Labels: Record<string, string>;
    Mode: Record<string, unknown>;
    TaskTemplate: { ContainerSpec: { Image: string; Command: string[]; Env: string[]; Mounts: { Type: string; Source: string; Target: string }[] }; RestartPolicy: { Condition: string }; Placement: { Constraints: string[] } };
  };

  it('runs once on every node but the manager, never restarted', () => {
    expect(spec.Mode).toEqual({ GlobalJob: {} });
    expect(spec.TaskTemplate.Placement.Constraints).toEqual(['node.id!=manager-1']);
    expect(spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
  });

  it("mounts each node's engine socket where its script looks, and names the volumes by platform, cluster and ids", () => {
    const [mount] = spec.TaskTemplate.ContainerSpec.Mounts;
    expect(mount).toMatchObject({ Type: 'bind', Source: '/run/{{.Node.Hostname}}.sock' });
    expect(spec.TaskTemplate.ContainerSpec.Command.join(' ')).toContain(mount.Target);
    expect(spec.TaskTemplate.ContainerSpec.Env).toEqual(['PLATFORM=p1234567890', 'CLUSTER=app.web', 'VOLUME_IDS=["data","logs"]']);
    expect(spec.TaskTemplate.ContainerSpec.Image).toBe('sha256:abc');
  });

  it('is labelled as the platform\'s sweep, not as a member (the reconciler never takes it for one)', () => {
    expect(spec.Labels).toEqual({ [Label.platform]: 'p1234567890', [Label.cluster]: 'app.web', [Label.volumeSweep]: 'true' });
    expect(spec.Labels[Label.member]).toBeUndefined();
  });
});
