/**
 * What a member may use and be, from its cartridge's properties (documented names), with safe
 * defaults: `container.memory` ("512m", "1g", bytes; default 1g, swap included), `container.cpus`
 * ("1.5"; default: no limit), `container.pids` (processes; default 1024) hold a docker member;
 * `container.user` (`member`, the default: its software runs as an unprivileged user of its own;
 * `root`: as root, for software that cannot do without) holds members of every driver.
 */
import type { FieldIssue } from './errors';

export interface ContainerLimits {
  memoryBytes: number;
  /** CPUs × 1e9, Docker's NanoCpus; 0: no limit. */
  nanoCpus: number;
  pids: number;
  /** Absent in clusters deployed before the property existed: the member user, as the default. */
  user?: MemberUser;
}

export const MEMBER_USERS = ['member', 'root'] as const;
export type MemberUser = (typeof MEMBER_USERS)[number];

export const ContainerLimitProperty = { memory: 'container.memory', cpus: 'container.cpus', pids: 'container.pids', user: 'container.user' } as const;
export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = { memoryBytes: 1024 ** 3, nanoCpus: 0, pids: 1024, user: 'member' };

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `properties` as name → value; issues name each bad property by its index in `property[]`. */
export function containerLimits(properties: { name: string; value?: string }[], at: string): { limits: ContainerLimits; errors: FieldIssue[] } {
  const limits = { ...DEFAULT_CONTAINER_LIMITS };
  const errors: FieldIssue[] = [];
  properties.forEach((p, i) => {
    const value = String(p.value ?? '').trim();
    const path = `${at}/${i}/value`;
    if (p.name === ContainerLimitProperty.memory) {
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
      const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
      const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : NaN;
      if (!(bytes >= 6 * 1024 ** 2 && bytes <= 1024 ** 4)) errors.push({ path, message: 'must be a size from 6m to 1024g, such as 512m or 2g' });
      else limits.memoryBytes = bytes;
    } else if (p.name === ContainerLimitProperty.cpus) {
      const cpus = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!(cpus >= 0.01 && cpus <= 256)) errors.push({ path, message: 'must be a number of CPUs from 0.01 to 256, such as 0.5 or 2' });
      else limits.nanoCpus = Math.round(cpus * 1e9);
    } else if (p.name === ContainerLimitProperty.pids) {
      const pids = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(pids >= 16 && pids <= 1_000_000)) errors.push({ path, message: 'must be a whole number of processes from 16 to 1000000' });
      else limits.pids = pids;
    } else if (p.name === ContainerLimitProperty.user) {
      if (!(MEMBER_USERS as readonly string[]).includes(value)) errors.push({ path, message: 'must be member (an unprivileged user of its own) or root', allowed: [...MEMBER_USERS] });
      else limits.user = value as MemberUser;
    }
  });
  return { limits, errors };
}
