/**
 * What a platform left on a Docker engine once its STRATOS_HOME is gone: its members'
 * containers, their named volumes and its member network, all labelled with its id and home.
 * Deleting a home does not stop or remove them (the engine does not know); `stratos prune`
 * finds them and, asked to, removes them. A platform whose home is there is never touched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Label } from '../labels';

export interface PlatformResources {
  platformId: string;
  /** The home its resources are labelled with (null: made before homes were labelled). */
  home: string | null;
  containers: { id: string; name: string; state: string }[];
  volumes: string[];
  networks: string[];
}

export interface PlatformLeftovers extends PlatformResources {
  /** Why these are left over, or why they are kept. */
  reason: string;
  orphaned: boolean;
}

/** Whether a platform's resources are left over: its home gone, or now another platform's. `platformIdIn` reads a home's id (null: none). */
export function classify(resources: PlatformResources, platformIdIn: (home: string) => string | null): PlatformLeftovers {
  if (resources.home === null) {
    return { ...resources, orphaned: false, reason: 'no home label (made by an earlier version): removed only with --platform ' + resources.platformId };
  }
  const id = platformIdIn(resources.home);
  if (id === null) return { ...resources, orphaned: true, reason: `${resources.home} is gone (or holds no platform)` };
  if (id !== resources.platformId) return { ...resources, orphaned: true, reason: `${resources.home} is now platform ${id.slice(0, 8)}'s` };
  return { ...resources, orphaned: false, reason: `${resources.home} is there: its platform's own` };
}

/** A home's platform id, or null when it has none (deleted, or never started). */
export function platformIdIn(home: string): string | null {
  try {
    return readFileSync(join(home, 'platform-id'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Every platform with something on this engine, each classified. */
export async function findLeftovers(docker: Docker, idOf: (home: string) => string | null = platformIdIn): Promise<PlatformLeftovers[]> {
  const filters = { label: [Label.platform] };
  const [containers, { Volumes }, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters }), docker.listNetworks({ filters })]);
  const platforms = new Map<string, PlatformResources>();
  const of = (labels: Record<string, string> | undefined) => {
    const platformId = labels?.[Label.platform] ?? '';
    let entry = platforms.get(platformId);
    if (!entry) platforms.set(platformId, (entry = { platformId, home: null, containers: [], volumes: [], networks: [] }));
    entry.home ??= labels?.[Label.home] ?? null;
    return entry;
  };
  for (const c of containers) of(c.Labels).containers.push({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), state: c.State });
  for (const v of Volumes ?? []) of(v.Labels ?? undefined).volumes.push(v.Name);
  for (const n of networks) of(n.Labels).networks.push(n.Name);
  return [...platforms.values()].sort((a, b) => (a.home ?? '').localeCompare(b.home ?? '') || a.platformId.localeCompare(b.platformId)).map((p) => classify(p, idOf));
}

/** Removes one platform's resources: containers first (running ones are killed), then volumes, then its network. */
export async function removePlatformResources(docker: Docker, resources: PlatformResources, progress: (what: string) => void = () => undefined): Promise<void> {
  for (const container of resources.containers) {
    progress(`container ${container.name}`);
    await docker.getContainer(container.id).remove({ force: true, v: false });
  }
  for (const volume of resources.volumes) {
    progress(`volume ${volume}`);
    await docker.getVolume(volume).remove();
  }
  for (const network of resources.networks) {
    progress(`network ${network}`);
    await docker.getNetwork(network).remove();
  }
}
