/**
 * Members as Docker containers (dockerode), on the host network: each declared port gets a
 * free host port (PORT_MAPPINGS), as the local driver does, so members reach the broker on
 * 127.0.0.1 and nothing needs low ports. Every container is labelled with its member,
 * cluster, application and platform; `Init: true` so that the agent stops on SIGTERM at once.
 * Persistent volumes are named volumes per cluster, slot and volume id: they outlive members.
 */
import Docker from 'dockerode';
import { PORT_MAPPINGS_KEY, type ActualInstance, type IaasDriver, type LaunchedInstance, type LaunchSpec } from '../iaas-driver';
import { assignHostPorts } from '../ports';
import { Label } from '../labels';

export interface DockerDriverOptions {
  /** Scopes labels to this platform. */
  platformId: string;
  docker?: Docker;
}

const statusCode = (error: unknown) => (error as { statusCode?: number }).statusCode;

/** Docker's log stream without a TTY: 8-byte frame headers (stream, size) before each chunk. */
function demultiplex(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts);
}

export class DockerDriver implements IaasDriver {
  readonly name = 'docker';
  private readonly docker: Docker;

  constructor(private readonly options: DockerDriverOptions) {
    this.docker = options.docker ?? new Docker();
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
    const ports = await assignHostPorts(spec.ports);
    const env = { ...spec.env, [PORT_MAPPINGS_KEY]: JSON.stringify(ports) };
    const labels = { [Label.platform]: this.options.platformId, [Label.member]: spec.memberId, [Label.cluster]: spec.clusterId, [Label.application]: spec.applicationId };
    const mounts: Docker.MountConfig = [];
    for (const volume of spec.volumes ?? []) {
      // Named per platform, cluster, slot and volume: members come and go, a replacement gets its slot's data; another platform on the engine has its own.
      const name = `stratos-${this.options.platformId.slice(0, 8)}-${spec.clusterId}-${volume.id}-${spec.slot}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
      await this.docker.createVolume({ Name: name, Labels: { [Label.platform]: this.options.platformId, [Label.cluster]: spec.clusterId, [Label.volume]: volume.id } }).catch(() => undefined);
      mounts.push({ Type: 'volume', Source: name, Target: volume.mappingPath });
    }
    const container = await this.docker.createContainer({
      name: `stratos-${spec.memberId}`,
      Image: spec.imageId,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: labels,
      HostConfig: { NetworkMode: 'host', Init: true, Mounts: mounts, RestartPolicy: { Name: 'no' } },
    });
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    return { instanceId: container.id, host: '127.0.0.1', ports };
  }

  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    const container = this.docker.getContainer(instanceId);
    try {
      await container.stop({ t: Math.ceil(options.graceMs / 1000) });
    } catch (error) {
      if (statusCode(error) !== 304 && statusCode(error) !== 404) throw error; // 304: already stopped; 404: gone
    }
    try {
      await container.remove({ v: false, force: true }); // named volumes stay
    } catch (error) {
      if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error; // 409: removal already in progress
    }
  }

  async list(): Promise<ActualInstance[]> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`${Label.platform}=${this.options.platformId}`] } });
    return containers.map((c) => ({
      instanceId: c.Id,
      memberId: c.Labels[Label.member],
      clusterId: c.Labels[Label.cluster],
      applicationId: c.Labels[Label.application],
      running: c.State === 'running' || c.State === 'created' || c.State === 'restarting',
    }));
  }

  async logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }> {
    const now = Math.floor(Date.now() / 1000);
    const since = options.cursor !== undefined && /^\d+$/.test(options.cursor) ? Number(options.cursor) : undefined;
    const raw = (await this.docker.getContainer(instanceId).logs({ stdout: true, stderr: true, follow: false, ...(since === undefined ? { tail: 500 } : { since }) })) as unknown as Buffer;
    const text = demultiplex(raw).toString('utf8');
    return { text: since === undefined ? text.slice(-options.tailBytes) : text, cursor: String(now) };
  }

  async removeVolumes(clusterId: string, volumeIds: string[]): Promise<void> {
    const { Volumes } = await this.docker.listVolumes({ filters: { label: [`${Label.platform}=${this.options.platformId}`, `${Label.cluster}=${clusterId}`] } });
    for (const volume of Volumes ?? []) {
      if (!volumeIds.includes(volume.Labels?.[Label.volume] ?? '')) continue;
      try {
        await this.docker.getVolume(volume.Name).remove();
      } catch (error) {
        if (statusCode(error) !== 404) throw error; // gone already
      }
    }
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
