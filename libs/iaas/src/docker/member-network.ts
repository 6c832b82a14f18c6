/**
 * The platform's own Docker network: a bridge on which each docker member has an address of
 * its own and keeps its declared ports (three ZooKeeper members all on 2181), as on a LAN.
 * Members reach the platform (its broker, its API) at the network's gateway, the host's address
 * on that bridge: what listens on loopback is not reachable from there, so the platform's
 * embedded services also listen on the gateway (see listenAlso), and the driver rewrites the
 * loopback addresses of a launch payload to it: the broker's to its address, the API's to
 * PLATFORM_HOST_NAME, which each member's /etc/hosts maps to it (the certificate names it).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Label } from '../labels';

export interface MemberNetwork {
  name: string;
  /** The host's address on it: where members reach the platform. */
  gateway: string;
}

/** Stable per STRATOS_HOME: the id that labels this platform's containers, volumes and network. */
export async function platformIdOf(home: string): Promise<string> {
  return idOfHome(home, 'platform-id');
}

/**
 * Stable per STRATOS_HOME: the host its local members run on (each member records the host that
 * launched it; a controller of another host leaves them to their agents). A backup carries it: a
 * home restored on a new machine is the host it replaces.
 */
export async function hostIdOf(home: string): Promise<string> {
  return idOfHome(home, 'host-id');
}

/** The id in the home's file `name`, made (a random UUID) by the first to ask. */
async function idOfHome(home: string, name: string): Promise<string> {
  const file = join(home, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(home, { recursive: true });
    const id = randomUUID();
    try {
      await writeFile(file, id, { flag: 'wx' });
      return id;
    } catch {
      return (await readFile(file, 'utf8')).trim(); // another process wrote it first
    }
  }
}

/** Makes `id` this STRATOS_HOME's platform id (the database's, which a controller adopts at start). */
export async function recordPlatformId(home: string, id: string): Promise<void> {
  await mkdir(home, { recursive: true });
  const file = join(home, 'platform-id');
  await writeFile(`${file}.new`, id);
  await rename(`${file}.new`, file);
}

export const memberNetworkName = (platformId: string) => `stratos-${platformId.slice(0, 8)}`;

/** The platform's member network, created (labelled as its) if it is not there yet. */
export async function ensureMemberNetwork(docker: Docker, platformId: string, home?: string): Promise<MemberNetwork> {
  const name = memberNetworkName(platformId);
  const inspect = async () => {
    const info = await docker.getNetwork(name).inspect();
    const gateway = (info.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway).find(Boolean);
    if (!gateway) throw new Error(`the Docker network ${name} has no gateway address`);
    return { name, gateway };
  };
  try {
    return await inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  try {
    await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [Label.platform]: platformId, ...(home && { [Label.home]: home }) } });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error; // created meanwhile by another process
  }
  return inspect();
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** The URLs (comma-separated) with loopback hosts replaced by `host`: what a member on the network reaches. */
export function reachableFrom(urls: string, host: string): string {
  return urls
    .split(',')
    .map((raw) => {
      const trimmed = raw.trim();
      try {
        const url = new URL(trimmed);
        if (!LOOPBACK.test(url.hostname)) return trimmed;
        url.hostname = host;
        return url.toString().replace(/\/$/, trimmed.endsWith('/') ? '/' : '');
      } catch {
        return trimmed;
      }
    })
    .join(',');
}
