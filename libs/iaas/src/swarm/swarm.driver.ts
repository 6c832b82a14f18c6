/**
 * Members as Docker Swarm services, through one manager's engine API: members run on any node
 * of the swarm that their partition's placement constraints allow, each at its node's address.
 * One service per member, one replica, never restarted by Swarm (service-spec.ts says why);
 * the reconciler heals, told of a member's ended task within seconds (onInstanceExit). Every node must have the member's image (loaded, or from a registry
 * each node reaches): the service names it by id, which the manager's engine resolves.
 *
 * Volumes are the nodes' own (Swarm has no volume that moves with a task): a slot with volumes
 * is pinned to the node its first member ran on, for as long as this controller runs, so that
 * its replacement finds the data. When a cluster's volumes go, the manager's are removed through
 * its API and every other node's by a job run on each (volumeSweepSpec): the manager's engine
 * cannot reach theirs.
 */
import { createSocket } from 'node:dgram';
import Docker from 'dockerode';
import type { ActualInstance, IaasDriver, LaunchedInstance, LaunchSpec } from '../iaas-driver';
import { Label } from '../labels';
import { demultiplex, removeClusterVolumes } from '../docker/docker.driver';
import { choosePorts, EndedTaskWatch, newestTask, nodeAddress, nodeFacts, publishedPorts, serviceSpecFor, SWARM_STOP_GRACE_MS, taskOutcome, tasksStillStopping, volumeSweepSpec, type SwarmNode, type SwarmTask } from './service-spec';
import { describeNode, nodeMatches } from '@stratos/contracts';
import { choosePlatformHost, PLATFORM_HOST_LABEL, type PlatformHostChoice } from './platform-hosts';

export interface SwarmDriverOptions {
  platformId: string;
  home?: string;
  /** A manager's engine (default: DOCKER_HOST's). */
  docker?: Docker;
  /** Its name in the controller's registry: `swarm`, or `swarm@<region>`. */
  name?: string;
  /** The address nodes reach the platform at; default: this host's address on the way to the manager node. */
  platformHost?: string;
  /** A member whose task is not running within this long is given up (default 120 s: a node may be loading an image). */
  launchTimeoutMs?: number;
  /** Each node's engine socket, as its volume sweep mounts it (default /var/run/docker.sock; Swarm templates such as {{.Node.Hostname}} allowed). */
  nodeSocket?: string;
  /** Told of each address members are first given other than the swarm's (a node's stratos.platform-host label): the embedded broker listens there too. */
  onPlatformHost?: (host: string) => void;
}

/** How often the driver looks for members' tasks that ended (Swarm's events say nothing of tasks). */
const TASK_POLL_MS = 2000;
/** How long a volume sweep may take on the nodes before the driver gives up on it (and says so). */
const SWEEP_TIMEOUT_MS = 90_000;

const statusCode = (error: unknown) => (error as { statusCode?: number }).statusCode;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The local address this host sends from to reach `address` (no packet is sent: a UDP socket is only connected). */
export function sourceAddressTowards(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (error) => (socket.close(), reject(error)));
    socket.connect(9, address, () => {
      const { address: local } = socket.address();
      socket.close();
      resolve(local);
    });
  });
}

export class SwarmDriver implements IaasDriver {
  readonly name: string;
  private readonly docker: Docker;
  private host: Promise<string> | null = null;
  private readonly nodeAddresses = new Map<string, string>();
  /** The node each slot with volumes last ran on (its data is there): its next member goes there too. */
  private readonly slotNodes = new Map<string, string>();
  /** The image each cluster's members ran (by id): a volume sweep runs it, for the `node` every member image has. */
  private readonly clusterImages = new Map<string, string>();
  private readonly exitListeners: ((instanceId: string) => void)[] = [];
  /** The labelled addresses members were given (onPlatformHost told once each). */
  private readonly platformHostsTold = new Set<string>();
  private watching = false;
  private closed = false;

  constructor(private readonly options: SwarmDriverOptions) {
    this.docker = options.docker ?? new Docker();
    this.name = options.name ?? 'swarm';
  }

  /** Whether the engine is a manager of an active swarm (within a second). */
  static async isManager(docker: Docker): Promise<boolean> {
    try {
      const info = (await Promise.race([docker.info(), sleep(1000).then(() => null)])) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } } | null;
      return info?.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
    } catch {
      return false;
    }
  }

  /** Where the swarm's nodes reach the platform (its broker listens there too). */
  platformHost(): Promise<string> {
    this.host ??= (async () => {
      if (this.options.platformHost) return this.options.platformHost;
      const info = (await this.docker.info()) as { Swarm?: { NodeID?: string; NodeAddr?: string } };
      const manager = info.Swarm?.NodeAddr || (info.Swarm?.NodeID ? nodeAddress(await this.docker.getNode(info.Swarm.NodeID).inspect()) : null);
      if (!manager) throw new Error('the swarm manager has no address to reach it at: set STRATOS_SWARM_PLATFORM_HOST');
      return sourceAddressTowards(manager);
    })().catch((error: Error) => {
      this.host = null;
      throw error;
    });
    return this.host;
  }

  async health(): Promise<{ answers: boolean; reason?: string }> {
    try {
      if (await SwarmDriver.isManager(this.docker)) return { answers: true };
      return { answers: false, reason: 'the engine is not a manager of an active swarm' };
    } catch (error) {
      return { answers: false, reason: (error as Error).message };
    }
  }

  async imageExists(imageId: string): Promise<boolean> {
    return (await this.imageIdOf(imageId)) !== null;
  }

  async unplaceable(constraints: readonly string[]): Promise<string | null> {
    const nodes = (await this.docker.listNodes()) as unknown as SwarmNode[];
    const ready = nodes.filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active').map(nodeFacts);
    if (ready.some((node) => nodeMatches(node, constraints))) return null;
    const others = nodes.length - ready.length;
    return `no Ready, active swarm node meets ${constraints.length ? constraints.join(' and ') : 'no constraint at all'} (Ready: ${ready.map(describeNode).join('; ') || 'none'}${others ? `; ${others} more not Ready or drained` : ''}); label a node (docker node update --label-add) or change the partition`;
  }

  private async imageIdOf(ref: string): Promise<string | null> {
    try {
      return ((await this.docker.getImage(ref).inspect()) as { Id: string }).Id;
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  private async addressOf(nodeId: string): Promise<string> {
    const known = this.nodeAddresses.get(nodeId);
    if (known) return known;
    const address = nodeAddress(await this.docker.getNode(nodeId).inspect());
    if (!address) throw new Error(`swarm node ${nodeId} reports no address`);
    this.nodeAddresses.set(nodeId, address);
    return address;
  }

  private async tasksOf(serviceIds: string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return [];
    return (await this.docker.listTasks({ filters: { service: serviceIds } })) as SwarmTask[];
  }

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    const imageId = await this.imageIdOf(spec.imageId);
    if (!imageId) throw new Error(`image "${spec.imageId}" is not in the swarm manager's engine (every node needs it: docker load on each, or a registry they reach)`);
    const slot = `${spec.clusterId}#${spec.slot}`;
    const pinned = spec.volumes?.length ? this.slotNodes.get(slot) : undefined;
    const hostPorts = choosePorts(spec.ports.length, await this.portsInUse());
    const pinning = pinned ? [`node.id==${pinned}`] : [];
    const reach = await this.platformHostFor(spec, pinning);
    const created = await this.docker.createService(
      serviceSpecFor(spec, { platformId: this.options.platformId, home: this.options.home, imageId, platformHost: reach.platformHost, extraConstraints: [...pinning, ...reach.constraints], hostPorts }),
    );
    const serviceId = (created as unknown as { id: string }).id;
    if (spec.volumes?.length) this.clusterImages.set(spec.clusterId, imageId);
    const deadline = Date.now() + (this.options.launchTimeoutMs ?? 120_000);
    try {
      for (;;) {
        const task = newestTask(await this.tasksOf([serviceId]));
        const outcome = taskOutcome(task);
        if (outcome.state === 'ended') throw new Error(`its Swarm task ${outcome.reason}`);
        if (outcome.state === 'running' && task?.NodeID) {
          const ports = publishedPorts(task, spec.ports, hostPorts);
          if (ports) {
            if (spec.volumes?.length) this.slotNodes.set(slot, task.NodeID);
            return { instanceId: serviceId, host: await this.addressOf(task.NodeID), ports };
          }
        }
        if (Date.now() > deadline) throw new Error(`its Swarm task is not running within ${Math.round((this.options.launchTimeoutMs ?? 120_000) / 1000)} s (${task?.Status?.State ?? 'no task'}${task?.Status?.Message ? `: ${task.Status.Message}` : ''})`);
        await sleep(200);
      }
    } catch (error) {
      await this.removeService(serviceId);
      throw error;
    }
  }

  /**
   * Where the new member reaches the platform: the swarm's address, or — where nodes say another
   * with a label — the one chosen for it with the constraints that hold it to those nodes.
   */
  private async platformHostFor(spec: LaunchSpec, pinning: string[]): Promise<PlatformHostChoice> {
    const swarmHost = await this.platformHost();
    const nodes = ((await this.docker.listNodes()) as unknown as SwarmNode[]).map((n) => ({ node: n, facts: nodeFacts(n) }));
    if (!nodes.some(({ facts }) => Object.keys(facts.labels).includes(PLATFORM_HOST_LABEL))) return { platformHost: swarmHost, constraints: [] };
    const ready = new Set(nodes.filter(({ node }) => node.Status?.State === 'ready' && node.Spec?.Availability === 'active').map(({ facts }) => facts));
    const cluster = (await this.docker.listServices({ filters: { label: [`${Label.platform}=${this.options.platformId}`, `${Label.cluster}=${spec.clusterId}`] } })) as unknown as { Spec: { TaskTemplate?: { ContainerSpec?: { Hosts?: string[] } } } }[];
    const running = cluster.map((s) => s.Spec.TaskTemplate?.ContainerSpec?.Hosts?.[0]?.split(' ')[0]).filter((h): h is string => Boolean(h));
    const choice = choosePlatformHost(nodes.map(({ facts }) => facts), (facts) => ready.has(facts) && nodeMatches(facts, [...(spec.constraints ?? []), ...pinning]), swarmHost, running);
    if (choice.platformHost !== swarmHost && !this.platformHostsTold.has(choice.platformHost)) {
      this.platformHostsTold.add(choice.platformHost);
      this.options.onPlatformHost?.(choice.platformHost);
    }
    return choice;
  }

  /** The node ports the platform's services hold (Swarm does not place two tasks with one host-mode port on a node; the driver does not ask it to). */
  private async portsInUse(): Promise<Set<number>> {
    const services = (await this.docker.listServices({ filters: { label: [`${Label.platform}=${this.options.platformId}`] } })) as unknown as { Spec: { EndpointSpec?: { Ports?: { PublishedPort?: number }[] } } }[];
    return new Set(services.flatMap((s) => (s.Spec.EndpointSpec?.Ports ?? []).map((p) => p.PublishedPort ?? 0)).filter(Boolean));
  }

  /** SIGKILL to the containers of those tasks that run on the node whose engine the driver talks to (the others' engines are out of its reach). */
  private async killOnOwnNode(tasks: SwarmTask[]): Promise<void> {
    const ownNode = ((await this.docker.info()) as { Swarm?: { NodeID?: string } }).Swarm?.NodeID;
    const here = tasks.filter((t) => t.NodeID === ownNode && t.Status?.ContainerStatus?.ContainerID && taskOutcome(t).state !== 'ended');
    await Promise.all(here.map(async (t) => {
      try {
        await this.docker.getContainer(t.Status!.ContainerStatus!.ContainerID!).kill({ signal: 'SIGKILL' });
      } catch (error) {
        if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error; // gone, or not running: stopped already
      }
    }));
  }

  private async removeService(serviceId: string): Promise<void> {
    try {
      await this.docker.getService(serviceId).remove();
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  /**
   * Removes the member's service; its task gets SIGTERM and the service's stop grace (10 s, the
   * platform's own grace) before SIGKILL. At graceMs 0 (a Lost member, a forced undeploy) a task
   * on the manager's own node is killed first, through its engine; one on another node still has
   * its grace (a service's grace is fixed when it is made, and the driver reaches no other
   * node's engine). Resolves once its task has stopped, so that its slot's volumes are free for a
   * replacement and its agent has said it is ready to shut down. The tasks are followed by their
   * ids: once its service is gone the manager answers 404 for a listing by service at once, while
   * the task runs on (as desired state "remove") until its container has stopped, and is then reaped.
   */
  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    let tasks: SwarmTask[];
    try {
      tasks = await this.tasksOf([instanceId]);
    } catch (error) {
      if (statusCode(error) === 404) return; // its service is gone already (its tasks were followed by whoever removed it)
      throw error;
    }
    const taskIds = tasks.map((t) => t.ID);
    if (options.graceMs <= 0) await this.killOnOwnNode(tasks);
    await this.removeService(instanceId);
    if (taskIds.length === 0) return;
    const deadline = Date.now() + Math.max(options.graceMs, SWARM_STOP_GRACE_MS) + 10_000;
    while (Date.now() < deadline) {
      const tasks = (await this.docker.listTasks({ filters: { id: taskIds } })) as SwarmTask[];
      if (tasks.every((t) => taskOutcome(t).state === 'ended')) return;
      if (tasksStillStopping(tasks, (await this.docker.listNodes()) as unknown as SwarmNode[]).length === 0) return;
      await sleep(200);
    }
  }

  /**
   * Told when a member's task ends (its container died on any node, or its node left) or its
   * service goes: the reconciler looks then, not at its next resync — within TASK_POLL_MS, from a
   * listing of the platform's member tasks, until close().
   */
  onInstanceExit(listener: (instanceId: string) => void): void {
    this.exitListeners.push(listener);
    if (this.watching) return;
    this.closed = false;
    this.watching = true;
    void this.watchTasks().finally(() => (this.watching = false));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.exitListeners.length = 0;
  }

  private async watchTasks(): Promise<void> {
    const watch = new EndedTaskWatch();
    while (!this.closed) {
      try {
        const services = (await this.docker.listServices({ filters: { label: [`${Label.platform}=${this.options.platformId}`, Label.member] } })) as unknown as { ID: string }[];
        for (const serviceId of watch.look(await this.tasksOf(services.map((s) => s.ID)))) for (const listener of this.exitListeners) listener(serviceId);
      } catch {
        // the manager does not answer: the periodic resync still sees what happens meanwhile
      }
      await new Promise((resolve) => setTimeout(resolve, TASK_POLL_MS).unref()); // a stopping controller does not wait for it
    }
  }

  async list(): Promise<ActualInstance[]> {
    const services = (await this.docker.listServices({ filters: { label: [`${Label.platform}=${this.options.platformId}`, Label.member] } })) as unknown as { ID: string; Spec: { Labels?: Record<string, string> } }[];
    const tasks = await this.tasksOf(services.map((s) => s.ID));
    return services.map((service) => {
      const labels = service.Spec.Labels ?? {};
      const outcome = taskOutcome(newestTask(tasks.filter((t) => t.ServiceID === service.ID)));
      return {
        instanceId: service.ID,
        memberId: labels[Label.member],
        clusterId: labels[Label.cluster],
        applicationId: labels[Label.application],
        running: outcome.state !== 'ended',
        ...(outcome.reason && { stopReason: outcome.reason }),
      };
    });
  }

  async logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }> {
    const now = Math.floor(Date.now() / 1000);
    const since = options.cursor !== undefined && /^\d+$/.test(options.cursor) ? Number(options.cursor) : undefined;
    const raw = (await this.docker.getService(instanceId).logs({ stdout: true, stderr: true, follow: false, ...(since === undefined ? { tail: 500 } : { since }) })) as unknown as Buffer | NodeJS.ReadableStream;
    const buffer = Buffer.isBuffer(raw) ? raw : await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      raw.on('data', (c: Buffer) => chunks.push(c));
      raw.once('end', () => resolve(Buffer.concat(chunks)));
      raw.once('error', reject);
    });
    const text = demultiplex(buffer).toString('utf8');
    return { text: since === undefined ? text.slice(-options.tailBytes) : text, cursor: String(now) };
  }

  /** The cluster's volumes of those ids (every slot), on the manager through its API, on the other nodes by a sweep job. */
  async removeVolumes(clusterId: string, volumeIds: string[]): Promise<void> {
    await removeClusterVolumes(this.docker, this.options.platformId, clusterId, volumeIds);
    await this.sweepOtherNodes(clusterId, volumeIds);
    for (const key of [...this.slotNodes.keys()]) if (key.startsWith(`${clusterId}#`)) this.slotNodes.delete(key);
    this.clusterImages.delete(clusterId);
  }

  /** Runs a volume sweep on every node but the manager and waits for it to end there; throws, naming the nodes, if it failed. */
  private async sweepOtherNodes(clusterId: string, volumeIds: string[]): Promise<void> {
    const info = (await this.docker.info()) as { Swarm?: { NodeID?: string } };
    const others = ((await this.docker.listNodes()) as { ID: string; Status?: { State?: string } }[]).filter((n) => n.ID !== info.Swarm?.NodeID && n.Status?.State === 'ready');
    if (others.length === 0) return;
    const imageId = this.clusterImages.get(clusterId) ?? (await this.anyMemberImage());
    if (!imageId) throw new Error(`volumes of ${clusterId} on the swarm's other nodes are left: no member image is known to run their sweep (docker volume prune on those nodes)`);
    const created = await this.docker.createService(volumeSweepSpec({ platformId: this.options.platformId, clusterId, volumeIds, imageId, nodeSocket: this.options.nodeSocket ?? '/var/run/docker.sock', exceptNode: info.Swarm!.NodeID! }));
    const serviceId = (created as unknown as { id: string }).id;
    try {
      const deadline = Date.now() + SWEEP_TIMEOUT_MS;
      for (;;) {
        const tasks = await this.tasksOf([serviceId]);
        const ended = tasks.filter((t) => taskOutcome(t).state === 'ended');
        if (tasks.length >= others.length && ended.length === tasks.length) {
          const failed = ended.filter((t) => t.Status?.State !== 'complete');
          if (failed.length > 0) throw new Error(`the volume sweep of ${clusterId} failed on ${failed.length} node(s): ${failed.map((t) => t.Status?.Err ?? t.Status?.State).join('; ')}`);
          return;
        }
        if (Date.now() > deadline) throw new Error(`the volume sweep of ${clusterId} did not end on every node within ${SWEEP_TIMEOUT_MS / 1000} s`);
        await sleep(200);
      }
    } finally {
      await this.removeService(serviceId);
    }
  }

  /** The image of any of the platform's member services (after a controller restart, the cluster's own is not known). */
  private async anyMemberImage(): Promise<string | undefined> {
    const services = (await this.docker.listServices({ filters: { label: [`${Label.platform}=${this.options.platformId}`, Label.member] } })) as unknown as { Spec: { TaskTemplate?: { ContainerSpec?: { Image?: string } } } }[];
    return services.map((s) => s.Spec.TaskTemplate?.ContainerSpec?.Image).find((image): image is string => !!image);
  }
}
