/**
 * Members as Docker containers (dockerode). By default each is on the platform's own bridge
 * network (member-network.ts) with an address of its own and its declared ports, and reaches
 * the platform at the network's gateway. With `network: 'host'` they share the host's network
 * instead: each declared port gets a free host port (PORT_MAPPINGS), as on one machine without
 * a bridge. Every container is labelled with its member, cluster, application and platform;
 * `Init: true` so that the agent stops on SIGTERM at once. Persistent volumes are named
 * volumes per cluster, slot and volume id: they outlive members.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Docker from 'dockerode';
import { DEFAULT_CONTAINER_LIMITS, LaunchKey, PLATFORM_HOST_NAME, STRATOS_SUPER_TENANT_ID } from '@stratos/contracts';
import { PORT_MAPPINGS_KEY, type ActualInstance, type BakedImage, type BakeSpec, type IaasDriver, type ImageStore, type LaunchedInstance, type LaunchSpec, type VolumeRef, type VolumeStore } from '../iaas-driver';
import { assignHostPorts } from '../ports';
import { Label } from '../labels';
import { ensureMemberNetwork, reachableFrom, type MemberNetwork } from './member-network';

export interface DockerDriverOptions {
  /** Scopes labels to this platform. */
  platformId: string;
  /** Its STRATOS_HOME (absolute), labelled on what it makes, so that `stratos prune` finds it once the home is gone. */
  home?: string;
  docker?: Docker;
  /** Its name in the controller's registry: `docker`, or `docker@<region>` for a region's engine. */
  name?: string;
  /** bridge (default): the platform's own network, an address per member; host: the host's network, host ports. */
  network?: 'bridge' | 'host';
  /** An image load during which no byte moves either way for this long is given up (default 60 s). */
  loadStallMs?: number;
  /**
   * Where members on the bridge reach the platform (broker and API): an engine on another host
   * needs an address of the platform's host it routes to. Default: the member network's gateway
   * (right for an engine on the platform's own host).
   */
  platformHost?: string;
}

/** A Docker engine at an endpoint as DOCKER_HOST names one: unix:///path/to/docker.sock or tcp://host:port. */
export function dockerEngineAt(endpoint: string): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice('unix://'.length) });
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: 'http' });
}

/** The member user of a container (`container.user: member`, the default): no image's own user has this uid. */
export const CONTAINER_MEMBER_UID = 10001;

/** All a member keeps of root's capabilities: chown, setuid/setgid (a service's own user), reading and signalling its files and processes, ports below 1024. */
export const MEMBER_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'KILL', 'NET_BIND_SERVICE'];
/**
 * A multi-tenant member's (its software run as the member user): its agent's root phase and its
 * tenant keeper need no more than handing folders to users and becoming them.
 */
export const MULTI_TENANT_MEMBER_CAPABILITIES = ['CHOWN', 'SETUID', 'SETGID'];

/** Whether something accepts TCP connections at host:port (within a second). */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const statusCode = (error: unknown) => (error as { statusCode?: number }).statusCode;

/** Docker's log stream without a TTY: 8-byte frame headers (stream, size) before each chunk. */
export function demultiplex(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts);
}

/** How long the engine's event stream waits before it is opened again, when the engine went away. */
const EVENTS_RETRY_MS = 1000;
/** An image load during which no byte moves either way for this long is given up (its engine went away without closing the connection). */
const DEFAULT_LOAD_STALL_MS = 60_000;

export class DockerDriver implements IaasDriver {
  readonly name: string;
  private readonly docker: Docker;
  private network: Promise<MemberNetwork> | null = null;
  private readonly exitListeners: ((instanceId: string) => void)[] = [];
  /** The engine's event stream while it is watched (see onInstanceExit). */
  private events: NodeJS.ReadableStream | null = null;
  private watching = false;
  private closed = false;

  constructor(private readonly options: DockerDriverOptions) {
    this.docker = options.docker ?? new Docker();
    this.name = options.name ?? 'docker';
  }

  /** The platform's member network (bridge mode), made once. */
  memberNetwork(): Promise<MemberNetwork> {
    this.network ??= ensureMemberNetwork(this.docker, this.options.platformId, this.options.home).catch((error: Error) => {
      this.network = null;
      throw error;
    });
    return this.network;
  }

  /**
   * The payload as a member on the network sees it: loopback addresses of the broker and the API
   * become the platform's host as members reach it (the gateway, or platformHost). A broker that
   * does not answer there is a clear launch failure, not a member that waits for its broker until
   * it is counted lost.
   */
  private async reachable(env: Record<string, string>, gateway: string): Promise<Record<string, string>> {
    const out = { ...env };
    // The broker at the gateway's address (members pin its certificate, names aside); the API by the name its certificate carries.
    if (out[LaunchKey.mbUrls]) out[LaunchKey.mbUrls] = reachableFrom(out[LaunchKey.mbUrls], gateway);
    if (out[LaunchKey.metadataServiceUrl]) out[LaunchKey.metadataServiceUrl] = reachableFrom(out[LaunchKey.metadataServiceUrl], PLATFORM_HOST_NAME);
    const brokers = (out[LaunchKey.mbUrls] ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    const reached = await Promise.all(brokers.map(async (raw) => {
      try {
        const url = new URL(raw);
        return url.hostname !== gateway || (await answers(gateway, Number(url.port || 1883)));
      } catch {
        return true;
      }
    }));
    if (brokers.length && !reached.some(Boolean)) {
      const where = brokers.map((u) => u.replace(/\/\/[^@/]*@/, '//')).join(', ');
      throw new Error(`members on the Docker network reach the broker at ${where}, where nothing answers: let the broker listen on ${gateway} too (the embedded one does), or set STRATOS_AGENT_MQTT_URL (or the region's ?platform=) to an address containers reach`);
    }
    return out;
  }

  readonly images: ImageStore = {
    inspect: async (ref) => {
      try {
        const info = await this.docker.getImage(ref).inspect();
        return { id: info.Id, sizeBytes: info.Size };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    },
    save: (ref) => this.docker.getImage(ref).get(),
    load: async (tar) => {
      // Bytes move one way or the other all through a load (the tar in, then the engine's progress out): a load where none
      // move for this long is given up — an engine that went away, or never answered, without closing the connection.
      const stallMs = this.options.loadStallMs ?? DEFAULT_LOAD_STALL_MS;
      let lastActivity = Date.now();
      let progress: Readable | null = null;
      let stall: (error: Error) => void = () => undefined;
      const watchdog = setInterval(() => {
        if (Date.now() - lastActivity < stallMs) return;
        const error = new Error(`the engine took no bytes and said nothing for ${stallMs / 1000} s: the copy stalled`);
        (tar as Readable).destroy(error); // before the answer: the request goes with it
        progress?.destroy(error);
        stall(error);
      }, Math.min(1000, stallMs / 2));
      tar.on('data', () => (lastActivity = Date.now()));
      // The engine answers with JSON lines; a failure is one of them ({"error": …}), not an HTTP status.
      let failure: string | null = null;
      try {
        progress = (await Promise.race([this.docker.loadImage(tar), new Promise<never>((_, reject) => (stall = reject))])) as Readable;
        const answer = progress;
        let buffered = '';
        await new Promise<void>((resolve, reject) => {
          stall = reject;
          answer.on('data', (chunk: Buffer) => {
            lastActivity = Date.now();
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) {
              try {
                const message = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
                if (message.error) failure = message.errorDetail?.message ?? message.error;
              } catch {
                // not a JSON line
              }
            }
          });
          answer.on('end', () => resolve());
          answer.on('error', reject);
          // Closed before its end without an error (after 'end' this changes nothing): the engine's answer was cut short.
          answer.on('close', () => reject(new Error('the engine closed the connection before the load finished')));
        });
      } finally {
        clearInterval(watchdog);
      }
      if (failure) throw new Error(`docker load: ${failure}`);
    },
    remove: async (ref) => {
      await this.docker
        .getImage(ref)
        .remove()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404) throw error;
        });
    },
  };

  /** Named per platform, cluster, slot and volume: members come and go, a replacement gets its slot's data; another platform on the engine has its own. */
  private volumeName(ref: { clusterId: string; slot: number; volumeId: string }): string {
    return `stratos-${this.options.platformId.slice(0, 8)}-${ref.clusterId}-${ref.volumeId}-${ref.slot}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
  }

  private async ensureVolume(ref: { clusterId: string; slot: number; volumeId: string }): Promise<string> {
    const name = this.volumeName(ref);
    await this.docker.createVolume({ Name: name, Labels: { [Label.platform]: this.options.platformId, ...(this.options.home && { [Label.home]: this.options.home }), [Label.cluster]: ref.clusterId, [Label.volume]: ref.volumeId } }).catch(() => undefined);
    return name;
  }

  /**
   * A container made (never started) from `image` with the volume at /v: the engine reads and
   * writes a volume's files through one. The platform's (`stratos prune` finds one an engine's
   * crash left), but no member's: list() does not report it.
   */
  private async volumeHolder(ref: VolumeRef): Promise<Docker.Container> {
    const volume = await this.ensureVolume(ref);
    return this.docker.createContainer({
      Image: ref.image,
      Entrypoint: ['/bin/true'],
      Cmd: [],
      Labels: { [Label.platform]: this.options.platformId, ...(this.options.home && { [Label.home]: this.options.home }), [Label.cluster]: ref.clusterId, [Label.volume]: ref.volumeId },
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }], NetworkMode: 'none' },
    });
  }

  readonly volumes: VolumeStore = {
    read: async (ref) => {
      const holder = await this.volumeHolder(ref);
      try {
        const archive = await holder.getArchive({ path: '/v/.' });
        // The holder goes once the archive has been read (or given up).
        const done = () => void holder.remove({ force: true, v: false }).catch(() => undefined);
        archive.once('end', done);
        archive.once('close', done);
        archive.once('error', done);
        return archive;
      } catch (error) {
        await holder.remove({ force: true, v: false }).catch(() => undefined);
        throw error;
      }
    },
    write: async (ref, tar, options = {}) => {
      if (!options.merge) await this.volumes.remove(ref); // replaced, not merged: what the target had of an earlier member goes
      if (options.remove?.length) await this.removeFromVolume(ref, options.remove);
      const holder = await this.volumeHolder(ref);
      try {
        await holder.putArchive(tar, { path: '/v' });
      } finally {
        await holder.remove({ force: true, v: false }).catch(() => undefined);
      }
    },
    remove: async (ref) => {
      const name = this.volumeName(ref);
      // A copy that an engine's crash cut short may have left its container on the volume: it would hold it.
      const holders = await this.docker.listContainers({ all: true, filters: { volume: [name], label: [`${Label.platform}=${this.options.platformId}`] } });
      for (const holder of holders.filter((c) => !c.Labels[Label.member])) await this.docker.getContainer(holder.Id).remove({ force: true }).catch(() => undefined);
      for (let attempt = 0; ; attempt++) {
        try {
          await this.docker.getVolume(name).remove();
          return;
        } catch (error) {
          if (statusCode(error) === 404) return;
          if (statusCode(error) !== 409 || attempt >= 75) throw error; // a container just removed may hold it a moment longer
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
  };

  /** The container's pause (the cgroup freezer): every process stops where it stands. */
  async freeze(instanceId: string): Promise<void> {
    await this.docker.getContainer(instanceId).pause();
  }

  async thaw(instanceId: string): Promise<void> {
    try {
      await this.docker.getContainer(instanceId).unpause();
    } catch (error) {
      if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error; // gone, or not paused
    }
  }

  /**
   * Paths removed from a volume: the archive API only adds files, so a container of the member's
   * image (its `rm`) runs once on the volume. Only live migrations' rounds need it, when files
   * went between two rounds.
   */
  private async removeFromVolume(ref: VolumeRef, paths: string[]): Promise<void> {
    for (const path of paths) if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`"${path}" is not a path inside the volume`);
    const container = await this.docker.createContainer({
      Image: ref.image,
      Entrypoint: ['rm'],
      Cmd: ['-rf', '--', ...paths.map((p) => `/v/${p}`)],
      User: '0',
      Labels: { [Label.platform]: this.options.platformId, ...(this.options.home && { [Label.home]: this.options.home }), [Label.cluster]: ref.clusterId, [Label.volume]: ref.volumeId },
      HostConfig: { Mounts: [{ Type: 'volume', Source: this.volumeName(ref), Target: '/v' }], NetworkMode: 'none' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (StatusCode !== 0) throw new Error(`removing ${paths.length} path(s) from volume ${this.volumeName(ref)}: rm exited ${StatusCode}`);
    } finally {
      await container.remove({ force: true, v: false }).catch(() => undefined);
    }
  }

  async health(): Promise<{ answers: boolean; reason?: string }> {
    try {
      await Promise.race([this.docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within a second')), 1000))]);
      return { answers: true };
    } catch (error) {
      return { answers: false, reason: (error as Error).message };
    }
  }

  /** Whether an engine answers, within a second. */
  static async available(docker = new Docker()): Promise<boolean> {
    try {
      await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000))]);
      return true;
    } catch {
      return false;
    }
  }

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    const limits = spec.limits ?? DEFAULT_CONTAINER_LIMITS;
    const bridge = (this.options.network ?? 'bridge') === 'bridge';
    const network = bridge ? await this.memberNetwork() : null;
    // On the bridge a member keeps its declared ports on its own address; on the host's network each gets a free host port.
    const ports = network ? spec.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, hostPort: p.port })) : await assignHostPorts(spec.ports);
    const platformHost = network ? (this.options.platformHost ?? network.gateway) : null;
    const env: Record<string, string> = { ...(platformHost ? await this.reachable(spec.env, platformHost) : spec.env), [PORT_MAPPINGS_KEY]: JSON.stringify(ports), [LaunchKey.memberResources]: 'cgroup' };
    if ((limits.user ?? 'member') === 'member') {
      // The agent starts as root, gives this user the member's folders and becomes it (cartridge-agent/src/member-user.ts).
      env[LaunchKey.memberUser] = `${CONTAINER_MEMBER_UID}:${CONTAINER_MEMBER_UID}`;
      env[LaunchKey.memberVolumes] = JSON.stringify((spec.volumes ?? []).map((v) => v.mappingPath));
    }
    const tenant = spec.env[LaunchKey.tenantId];
    const labels = {
      [Label.platform]: this.options.platformId,
      ...(this.options.home && { [Label.home]: this.options.home }),
      [Label.member]: spec.memberId,
      [Label.cluster]: spec.clusterId,
      [Label.application]: spec.applicationId,
      ...(tenant && tenant !== STRATOS_SUPER_TENANT_ID && { [Label.tenant]: tenant }),
    };
    const mounts: Docker.MountConfig = [];
    for (const volume of spec.volumes ?? []) {
      // Named per platform, cluster, slot and volume: members come and go, a replacement gets its slot's data; another platform on the engine has its own.
      const name = await this.ensureVolume({ clusterId: spec.clusterId, slot: spec.slot, volumeId: volume.id });
      mounts.push({ Type: 'volume', Source: name, Target: volume.mappingPath });
    }
    const container = await this.docker.createContainer({
      name: `stratos-${spec.memberId}`,
      Image: spec.imageId,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: labels,
      HostConfig: {
        NetworkMode: network?.name ?? 'host',
        ...(platformHost ? { ExtraHosts: [`${PLATFORM_HOST_NAME}:${platformHost}`] } : {}),
        Init: true,
        Mounts: mounts,
        RestartPolicy: { Name: 'no' },
        // Held to its cartridge's limits (swap included), and to the few capabilities a member's
        // root needs to hand its files and processes to the service's own user (PostgreSQL's, say).
        Memory: limits.memoryBytes,
        MemorySwap: limits.memoryBytes,
        NanoCpus: limits.nanoCpus || undefined,
        PidsLimit: limits.pids,
        SecurityOpt: ['no-new-privileges:true'],
        CapDrop: ['ALL'],
        CapAdd: spec.env[LaunchKey.multitenant] === 'true' && limits.user !== 'root' ? MULTI_TENANT_MEMBER_CAPABILITIES : MEMBER_CAPABILITIES,
      },
    });
    let host = '127.0.0.1';
    try {
      await container.start();
      if (network) {
        host = (await container.inspect()).NetworkSettings.Networks[network.name]?.IPAddress ?? '';
        if (!host) throw new Error(`the container has no address on ${network.name}`);
      }
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { instanceId: container.id, host, ports };
  }

  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    const container = this.docker.getContainer(instanceId);
    try {
      // No grace: SIGKILL, which a paused container gets before it is let go (a stop would SIGTERM it and let it run a moment).
      if (options.graceMs <= 0) await container.kill({ signal: 'SIGKILL' });
      else await container.stop({ t: Math.ceil(options.graceMs / 1000) });
    } catch (error) {
      if (statusCode(error) !== 304 && statusCode(error) !== 404 && statusCode(error) !== 409) throw error; // 304: already stopped; 404: gone; 409: not running
    }
    try {
      await container.remove({ v: false, force: true }); // named volumes stay
    } catch (error) {
      if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error; // 409: removal already in progress
    }
  }

  /**
   * The engine says when one of this platform's containers dies (`docker events`): the reconciler
   * looks then, not at its next resync. The stream is opened again whenever it ends (an engine
   * restart), until close().
   */
  onInstanceExit(listener: (instanceId: string) => void): void {
    this.exitListeners.push(listener);
    if (this.watching) return;
    this.closed = false;
    this.watching = true;
    void this.watchEvents().finally(() => (this.watching = false));
  }

  /** Stops watching the engine's events (the controller stops; a driver given to a later one watches again). */
  async close(): Promise<void> {
    this.closed = true;
    this.exitListeners.length = 0;
    (this.events as unknown as { destroy?: () => void } | null)?.destroy?.();
  }

  private async watchEvents(): Promise<void> {
    while (!this.closed) {
      try {
        const stream = (await this.docker.getEvents({ filters: { type: ['container'], event: ['die'], label: [`${Label.platform}=${this.options.platformId}`] } })) as NodeJS.ReadableStream;
        this.events = stream;
        if (this.closed) break;
        await new Promise<void>((resolve) => {
          let pending = '';
          stream.on('data', (chunk: Buffer) => {
            pending += chunk.toString();
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines.filter(Boolean)) {
              try {
                const event = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
                const id = event.Actor?.ID ?? event.id;
                if (id) for (const listener of this.exitListeners) listener(id);
              } catch {
                // not an event: ignored
              }
            }
          });
          for (const end of ['end', 'close', 'error']) stream.once(end, () => resolve());
        });
      } catch {
        // the engine does not answer: the periodic resync still sees what happens meanwhile
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, EVENTS_RETRY_MS).unref());
    }
    this.events = null;
  }

  async list(): Promise<ActualInstance[]> {
    // Members only: a container of the platform's with no member (one a volume is copied through) is none.
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${Label.platform}=${this.options.platformId}`, Label.member] } });
    return Promise.all(
      containers.map(async (c) => {
        const running = c.State === 'running' || c.State === 'created' || c.State === 'restarting';
        return {
          instanceId: c.Id,
          memberId: c.Labels[Label.member],
          clusterId: c.Labels[Label.cluster],
          applicationId: c.Labels[Label.application],
          running,
          ...(running ? {} : { stopReason: await this.stopReasonOf(c.Id) }),
        };
      }),
    );
  }

  /** A stopped container's State: killed at its memory limit, or its exit code (the few stopped ones are inspected, not every container). */
  private async stopReasonOf(id: string): Promise<string | undefined> {
    try {
      const { State } = await this.docker.getContainer(id).inspect();
      if (State.OOMKilled) return 'killed at its memory limit (out of memory)';
      return `exited with code ${State.ExitCode}${State.Error ? ` (${State.Error})` : ''}`;
    } catch {
      return undefined; // removed meanwhile
    }
  }

  async logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }> {
    const now = Math.floor(Date.now() / 1000);
    const since = options.cursor !== undefined && /^\d+$/.test(options.cursor) ? Number(options.cursor) : undefined;
    const raw = (await this.docker.getContainer(instanceId).logs({ stdout: true, stderr: true, follow: false, ...(since === undefined ? { tail: 500 } : { since }) })) as unknown as Buffer;
    const text = demultiplex(raw).toString('utf8');
    return { text: since === undefined ? text.slice(-options.tailBytes) : text, cursor: String(now) };
  }

  async removeVolumes(clusterId: string, volumeIds: string[]): Promise<void> {
    await removeClusterVolumes(this.docker, this.options.platformId, clusterId, volumeIds);
  }

  /**
   * A fully configured image from a running member: its file system exported, the member's own
   * paths deleted from the stream (GNU tar), imported as one layer with the source image's
   * configuration. Not `docker commit`: a commit's layer would carry the member's rendered
   * config and agent state, and its config the member's environment (broker credentials, token).
   */
  async bake(instanceId: string, spec: BakeSpec): Promise<BakedImage> {
    const container = this.docker.getContainer(instanceId);
    const info = await container.inspect();
    const source = await this.docker.getImage(info.Image).inspect();
    const config = source.Config ?? ({} as Docker.ImageInspectInfo['Config']);
    const quoted = (value: string) => JSON.stringify(value);
    const changes: string[] = [];
    if (config.Cmd?.length) changes.push(`CMD ${JSON.stringify(config.Cmd)}`);
    if (config.Entrypoint && (config.Entrypoint as string[]).length) changes.push(`ENTRYPOINT ${JSON.stringify(config.Entrypoint)}`);
    for (const entry of config.Env ?? []) {
      const eq = entry.indexOf('=');
      if (eq > 0) changes.push(`ENV ${entry.slice(0, eq)}=${quoted(entry.slice(eq + 1))}`);
    }
    if (config.WorkingDir) changes.push(`WORKDIR ${config.WorkingDir}`);
    if (config.User) changes.push(`USER ${config.User}`);
    for (const [key, value] of Object.entries({ ...(config.Labels ?? {}), ...spec.labels })) changes.push(`LABEL ${quoted(key)}=${quoted(value)}`);

    // Filtered as a file: GNU tar's --delete on a pipe can cut the archive's end (seen: "unexpected
    // EOF" at import when no path matched), on a file it rewrites it in place, whole.
    const dir = await mkdtemp(join(tmpdir(), 'stratos-bake-'));
    const archive = join(dir, 'rootfs.tar');
    try {
      await pipeline((await container.export()) as unknown as NodeJS.ReadableStream, createWriteStream(archive));
      await deleteFromArchive(archive, spec.exclude.map((p) => p.replace(/^\/+/, '')));
      const [repo, tag] = splitImageName(spec.image);
      const progress = await this.docker.importImage(createReadStream(archive) as unknown as NodeJS.ReadableStream, { repo, tag, changes } as never);
      const imported = await new Promise<unknown[]>((resolve, reject) => this.docker.modem.followProgress(progress as unknown as NodeJS.ReadableStream, (error: Error | null, output: unknown[]) => (error ? reject(error) : resolve(output))));
      const failed = imported.find((o) => (o as { error?: string }).error) as { error?: string } | undefined;
      if (failed) throw new Error(`docker import failed: ${failed.error}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const image = await this.docker.getImage(spec.image).inspect();
    // The image as the member was launched from it (by name), not whichever of its names docker lists first.
    const launchedFrom = info.Config.Image && !info.Config.Image.startsWith('sha256:') ? info.Config.Image : undefined;
    return { imageId: image.Id, sizeBytes: image.Size, sourceImage: launchedFrom ?? source.RepoTags?.[0] ?? info.Image };
  }

  async imageExists(imageId: string): Promise<boolean> {
    try {
      await this.docker.getImage(imageId).inspect();
      return true;
    } catch (error) {
      if (statusCode(error) === 404) return false;
      throw error;
    }
  }
}

/** An engine's volumes of a platform's cluster with those volume ids (every slot's); a container just removed may hold one a moment longer. */
export async function removeClusterVolumes(docker: Docker, platformId: string, clusterId: string, volumeIds: string[]): Promise<void> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`${Label.platform}=${platformId}`, `${Label.cluster}=${clusterId}`] } });
  for (const volume of Volumes ?? []) {
    if (!volumeIds.includes(volume.Labels?.[Label.volume] ?? '')) continue;
    for (let attempt = 0; ; attempt++) {
      try {
        await docker.getVolume(volume.Name).remove();
        break;
      } catch (error) {
        if (statusCode(error) === 404) break; // gone already
        if (statusCode(error) !== 409 || attempt >= 75) throw error; // 409 for up to 15 s: a loaded engine takes its time
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

/** Removes the paths matching `patterns` from a tar file, in place; a pattern nothing matches is fine. */
function deleteFromArchive(archive: string, patterns: string[]): Promise<void> {
  if (patterns.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['--delete', '--wildcards', '-f', archive, ...patterns], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    tar.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    tar.on('error', (error) => reject(new Error(`tar could not run: ${error.message}`)));
    tar.on('close', (code) => {
      // Exit 2 with only "Not found in archive": an excluded path the member never had.
      const real = errors.split('\n').filter((l) => l.trim() && !/Not found in archive|Exiting with failure status due to previous errors/.test(l));
      if (code === 0 || (code === 2 && real.length === 0)) resolve();
      else reject(new Error(`tar --delete failed (exit ${code}): ${real.join(' ').slice(0, 500)}`));
    });
  });
}

/** `repo:tag` → [repo, tag] (a registry's port is not a tag). */
function splitImageName(image: string): [string, string] {
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest'];
}
