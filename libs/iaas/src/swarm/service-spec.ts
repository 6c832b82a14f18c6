/**
 * What the Swarm driver asks of the swarm, decided without it: one member is one service of one
 * replica (its own payload, its own identity, removed by the platform's choice, never another
 * member of its cluster) that Swarm does not restart — the reconciler is the one owner of
 * healing, as on a single engine, so a dead member is replaced by a new member with the reason on
 * the topology feed instead of coming back unseen. Each declared port gets a port of the node
 * (host mode: no routing mesh, which needs IPVS; a member's address is its node's), the same
 * inside the container — as the local driver's host ports, so that a template's /host/port is
 * both where the member listens and where others reach it. The image is named by its id so that
 * no node tries a registry for it.
 */
import type Docker from 'dockerode';
import { DEFAULT_CONTAINER_LIMITS, LaunchKey, PLATFORM_HOST_NAME, STRATOS_SUPER_TENANT_ID, type PortBinding, type SwarmNodeFacts } from '@stratos/contracts';
import { PORT_MAPPINGS_KEY, type LaunchSpec } from '../iaas-driver';
import { Label } from '../labels';
import { CONTAINER_MEMBER_UID, MEMBER_CAPABILITIES, MULTI_TENANT_MEMBER_CAPABILITIES } from '../docker/docker.driver';
import { reachableFrom } from '../docker/member-network';

/** How long a member's agent has to stop on SIGTERM when its service is removed. */
export const SWARM_STOP_GRACE_MS = 10_000;

export interface SwarmServiceInputs {
  platformId: string;
  home?: string;
  /** The image's id (sha256:…): nodes that have it never ask a registry. */
  imageId: string;
  /** The address every node reaches the platform (its broker and API) at. */
  platformHost: string;
  /** Placement constraints beyond the partition's (a slot pinned to the node that holds its volumes). */
  extraConstraints?: string[];
  /** The node port of each declared port, in order (choosePorts). */
  hostPorts: number[];
}

/** The node ports the driver gives members: below Linux's ephemeral range, so that no outgoing connection holds one. */
export const SWARM_PORT_RANGE = { min: 20_000, max: 29_999 } as const;

/** A node port for each declared port, none of them in `used` (the platform's services' own), at random in the range. */
export function choosePorts(count: number, used: Set<number>, random: () => number = Math.random): number[] {
  const chosen: number[] = [];
  const size = SWARM_PORT_RANGE.max - SWARM_PORT_RANGE.min + 1;
  while (chosen.length < count) {
    if (used.size + chosen.length >= size) throw new Error(`every node port from ${SWARM_PORT_RANGE.min} to ${SWARM_PORT_RANGE.max} is taken by the platform's services`);
    const port = SWARM_PORT_RANGE.min + Math.floor(random() * size);
    if (!used.has(port) && !chosen.includes(port)) chosen.push(port);
  }
  return chosen;
}

/** The volume a slot's member mounts (named as the docker driver names them: the same data layout on every engine). */
export const swarmVolumeName = (platformId: string, clusterId: string, slot: number, volumeId: string) => `stratos-${platformId}-${clusterId}-s${slot}-${volumeId}`.replace(/[^a-zA-Z0-9_.-]/g, '_');

export function serviceSpecFor(spec: LaunchSpec, inputs: SwarmServiceInputs): Docker.CreateServiceOptions {
  const limits = spec.limits ?? DEFAULT_CONTAINER_LIMITS;
  if (inputs.hostPorts.length !== spec.ports.length) throw new Error(`${spec.ports.length} declared port(s), ${inputs.hostPorts.length} node port(s)`);
  const inside = spec.ports.map((p, i) => ({ name: p.name, protocol: p.protocol, port: p.port, hostPort: inputs.hostPorts[i] }));
  const env: Record<string, string> = { ...spec.env, [PORT_MAPPINGS_KEY]: JSON.stringify(inside), [LaunchKey.memberResources]: 'cgroup' };
  if (env[LaunchKey.mbUrls]) env[LaunchKey.mbUrls] = reachableFrom(env[LaunchKey.mbUrls], inputs.platformHost);
  if (env[LaunchKey.metadataServiceUrl]) env[LaunchKey.metadataServiceUrl] = reachableFrom(env[LaunchKey.metadataServiceUrl], PLATFORM_HOST_NAME);
  if ((limits.user ?? 'member') === 'member') {
    env[LaunchKey.memberUser] = `${CONTAINER_MEMBER_UID}:${CONTAINER_MEMBER_UID}`;
    env[LaunchKey.memberVolumes] = JSON.stringify((spec.volumes ?? []).map((v) => v.mappingPath));
  }
  const tenant = spec.env[LaunchKey.tenantId];
  const labels: Record<string, string> = {
    [Label.platform]: inputs.platformId,
    ...(inputs.home && { [Label.home]: inputs.home }),
    [Label.member]: spec.memberId,
    [Label.cluster]: spec.clusterId,
    [Label.application]: spec.applicationId,
    ...(tenant && tenant !== STRATOS_SUPER_TENANT_ID && { [Label.tenant]: tenant }),
  };
  const mounts = (spec.volumes ?? []).map((volume) => ({
    Type: 'volume' as const,
    Source: swarmVolumeName(inputs.platformId, spec.clusterId, spec.slot, volume.id),
    Target: volume.mappingPath,
    VolumeOptions: { NoCopy: false, Labels: { [Label.platform]: inputs.platformId, [Label.cluster]: spec.clusterId, [Label.volume]: volume.id }, DriverConfig: { Name: 'local', Options: {} } },
  }));
  const protocols = (protocol: string) => (protocol === 'udp' ? 'udp' : 'tcp');
  return {
    Name: `stratos-${spec.memberId}`,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: inputs.imageId,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        Init: true,
        Mounts: mounts,
        Hosts: [`${inputs.platformHost} ${PLATFORM_HOST_NAME}`],
        StopGracePeriod: SWARM_STOP_GRACE_MS * 1e6,
        CapabilityDrop: ['ALL'],
        CapabilityAdd: spec.env[LaunchKey.multitenant] === 'true' && limits.user !== 'root' ? MULTI_TENANT_MEMBER_CAPABILITIES : MEMBER_CAPABILITIES,
      },
      Resources: { Limits: { MemoryBytes: limits.memoryBytes, ...(limits.nanoCpus ? { NanoCPUs: limits.nanoCpus } : {}), Pids: limits.pids } as Docker.ResourceRequirements['Limits'] },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [...(spec.constraints ?? []), ...(inputs.extraConstraints ?? [])] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr', Ports: spec.ports.map((p, i) => ({ Protocol: protocols(p.protocol), TargetPort: inputs.hostPorts[i], PublishedPort: inputs.hostPorts[i], PublishMode: 'host' as const })) },
  } as Docker.CreateServiceOptions;
}

/** The part of a Swarm task the driver reads. */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Err?: string;
    Message?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: { Protocol?: string; TargetPort?: number; PublishedPort?: number }[] };
  };
}

const STARTING = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/** Where a task stands: starting (still on its way), running, or ended (with why). */
export function taskOutcome(task: SwarmTask | undefined): { state: 'starting' | 'running' | 'ended'; reason?: string } {
  const state = task?.Status?.State ?? 'new';
  if (state === 'running') return { state: 'running' };
  if (ENDED.has(state)) {
    const code = task?.Status?.ContainerStatus?.ExitCode;
    const err = task?.Status?.Err;
    const reason = state === 'orphaned' ? 'its node left the swarm' : err ? `${state}: ${err}` : code !== undefined ? `exited with code ${code}` : state;
    return { state: 'ended', reason };
  }
  // A pending task Swarm cannot place says why (no suitable node, not enough memory): it is not on its way.
  if (state === 'pending' && task?.Status?.Err) return { state: 'ended', reason: `not placed: ${task.Status.Err}` };
  return { state: STARTING.has(state) ? 'starting' : 'ended', ...(STARTING.has(state) ? {} : { reason: state }) };
}

/**
 * The tasks of a removed service a terminate still waits for: those not ended (a reaped task is no
 * longer listed: Swarm reaps it once stopped), unless on a node that is not ready (or no longer in
 * the swarm) — such a node never reports its task stopped (it stops it when it comes back, its desired state being remove).
 */
export function tasksStillStopping(tasks: readonly SwarmTask[], nodes: readonly SwarmNode[]): SwarmTask[] {
  const ready = new Set(nodes.filter((n) => n.Status?.State === 'ready').map((n) => n.ID));
  return tasks.filter((t) => taskOutcome(t).state !== 'ended' && (!t.NodeID || ready.has(t.NodeID)));
}

/**
 * Which members' services stopped since the last look, from listings of their tasks (Swarm's
 * event stream has no task events: the driver lists the tasks every few seconds): each service
 * whose task ended, once, and each service seen running whose tasks are no longer listed at all
 * (removed — by the platform, or by someone else — between two looks).
 */
export class EndedTaskWatch {
  /** Ended tasks already told of (only those still listed are kept). */
  private readonly reported = new Set<string>();
  /** Services that had a task not yet ended at the last look. */
  private running = new Set<string>();

  look(tasks: SwarmTask[]): string[] {
    const stopped = new Set<string>();
    const listedTasks = new Set<string>();
    const listedServices = new Set<string>();
    const running = new Set<string>();
    for (const task of tasks) {
      listedTasks.add(task.ID);
      listedServices.add(task.ServiceID);
      if (taskOutcome(task).state !== 'ended') running.add(task.ServiceID);
      else if (!this.reported.has(task.ID)) {
        this.reported.add(task.ID);
        stopped.add(task.ServiceID);
      }
    }
    for (const serviceId of this.running) if (!listedServices.has(serviceId)) stopped.add(serviceId);
    for (const taskId of this.reported) if (!listedTasks.has(taskId)) this.reported.delete(taskId);
    this.running = running;
    return [...stopped];
  }
}

/** The newest task of a service (one replica, never restarted: normally its only one). */
export function newestTask(tasks: SwarmTask[]): SwarmTask | undefined {
  return [...tasks].sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
}

/** Each declared port where its node published it (the engine lists a port once per address family), or null while it has not yet. */
export function publishedPorts(task: SwarmTask, declared: LaunchSpec['ports'], hostPorts: number[]): PortBinding[] | null {
  const ports = task.Status?.PortStatus?.Ports ?? [];
  const bindings: PortBinding[] = [];
  for (const [i, p] of declared.entries()) {
    const found = ports.find((q) => q.TargetPort === hostPorts[i] && (q.Protocol ?? 'tcp') === (p.protocol === 'udp' ? 'udp' : 'tcp') && q.PublishedPort);
    if (!found) return null;
    bindings.push({ ...(p.name !== undefined && { name: p.name }), protocol: p.protocol, port: p.port, hostPort: found.PublishedPort! });
  }
  return bindings;
}

/** The node's address as other hosts reach it (a manager may report 0.0.0.0 as its Status.Addr: its manager address then). */
export function nodeAddress(node: { Status?: { Addr?: string }; ManagerStatus?: { Addr?: string } }): string | null {
  const addr = node.Status?.Addr;
  if (addr && addr !== '0.0.0.0' && addr !== '127.0.0.1') return addr;
  const manager = node.ManagerStatus?.Addr?.replace(/:\d+$/, '');
  return manager && manager !== '0.0.0.0' ? manager : null;
}

/** Where a volume sweep job finds its node's engine, inside its container. */
const SWEEP_SOCKET = '/run/stratos-node-docker.sock';

/**
 * Run by a volume sweep's task on each node (with `node`, as every member image has for its
 * agent): removes the node's volumes of the platform's cluster whose volume ids are listed,
 * waiting out a volume still held by a container that is going (409) for up to 60 s.
 */
const SWEEP_SCRIPT = `
const http = require('node:http');
const { PLATFORM, CLUSTER, VOLUME_IDS } = process.env;
const ids = JSON.parse(VOLUME_IDS);
const call = (method, path) => new Promise((resolve, reject) => {
  const request = http.request({ socketPath: ${JSON.stringify(SWEEP_SOCKET)}, method, path }, (response) => {
    const chunks = [];
    response.on('data', (c) => chunks.push(c));
    response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
  });
  request.on('error', reject);
  request.end();
});
(async () => {
  const filters = encodeURIComponent(JSON.stringify({ label: ['${Label.platform}=' + PLATFORM, '${Label.cluster}=' + CLUSTER] }));
  const { Volumes } = JSON.parse((await call('GET', '/volumes?filters=' + filters)).body);
  for (const volume of Volumes || []) {
    if (!ids.includes((volume.Labels || {})['${Label.volume}'])) continue;
    for (let attempt = 0; ; attempt++) {
      const { status, body } = await call('DELETE', '/volumes/' + encodeURIComponent(volume.Name));
      if (status < 300 || status === 404) { console.log('removed ' + volume.Name); break; }
      if (status !== 409 || attempt >= 300) { console.error('volume ' + volume.Name + ': ' + body); process.exitCode = 1; break; }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
})().catch((error) => { console.error(error.message); process.exitCode = 1; });
`;

/**
 * A job on every node but `exceptNode` (the manager, whose engine the driver reaches itself)
 * that removes a cluster's volumes there: the manager's API cannot reach other nodes' engines.
 * It mounts each node's engine socket (`nodeSocket`, Swarm templates such as {{.Node.Hostname}}
 * allowed) — as Portainer's agent does; the only container of the platform's that does.
 */
export function volumeSweepSpec(inputs: { platformId: string; clusterId: string; volumeIds: string[]; imageId: string; nodeSocket: string; exceptNode: string }): Docker.CreateServiceOptions {
  const labels = { [Label.platform]: inputs.platformId, [Label.cluster]: inputs.clusterId, [Label.volumeSweep]: 'true' };
  return {
    Name: `stratos-sweep-${inputs.platformId.slice(0, 8)}-${Date.now().toString(36)}`.slice(0, 63),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: inputs.imageId,
        Command: ['node', '-e', SWEEP_SCRIPT],
        Env: [`PLATFORM=${inputs.platformId}`, `CLUSTER=${inputs.clusterId}`, `VOLUME_IDS=${JSON.stringify(inputs.volumeIds)}`],
        Labels: labels,
        Init: true,
        Mounts: [{ Type: 'bind', Source: inputs.nodeSocket, Target: SWEEP_SOCKET }],
      },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.id!=${inputs.exceptNode}`] },
    },
    Mode: { GlobalJob: {} },
  } as unknown as Docker.CreateServiceOptions;
}

/** A node as the Engine API lists it (the fields placement reads). */
export interface SwarmNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string; Platform?: { OS?: string; Architecture?: string }; Engine?: { Labels?: Record<string, string> } };
  Status?: { State?: string; Addr?: string };
}

/** What placement constraints are matched against, from the Engine API's node. */
export function nodeFacts(node: SwarmNode): SwarmNodeFacts {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? node.ID,
    role: node.Spec?.Role ?? 'worker',
    os: node.Description?.Platform?.OS,
    arch: node.Description?.Platform?.Architecture,
    labels: node.Spec?.Labels ?? {},
    engineLabels: node.Description?.Engine?.Labels ?? {},
  };
}
