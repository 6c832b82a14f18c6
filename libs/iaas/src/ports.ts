import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { PortBinding } from '@stratos/contracts';
import { freePort } from '@stratos/runtime';

/** Resolves with the port a listener got on host:port (0: any free one), or null when it cannot listen there. */
function tryListen(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** A free host port for each declared port (Cloud Foundry's $PORT, one per declared port). */
export async function assignHostPorts(ports: { name?: string; protocol: string; port: number }[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const port of ports) out.push({ name: port.name, protocol: port.protocol, port: port.port, hostPort: await freePort() });
  return out;
}

/** The lowest port an unprivileged process may listen on here (Linux's ip_unprivileged_port_start; 1024 where unknown). */
export function lowestUnprivilegedPort(): number {
  try {
    const value = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
    return Number.isInteger(value) && value >= 0 ? value : 1024;
  } catch {
    return 1024;
  }
}

/**
 * Ports on a member's own address: each declared port as it is where it can be served there
 * (nothing else holds it, and the member may listen on it: `lowestPort` for a member that runs
 * unprivileged where the controller is root), else a free port on that address.
 */
export async function assignMemberPorts(ip: string, ports: { name?: string; protocol: string; port: number }[], lowestPort = 0): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const port of ports) out.push({ name: port.name, protocol: port.protocol, port: port.port, hostPort: (port.port >= lowestPort ? await tryListen(ip, port.port) : null) ?? (await freePort(ip)) });
  return out;
}

/**
 * A loopback address for a new member where every declared port is free (another platform on
 * the same machine may hold addresses this one does not know of), with its ports.
 */
export async function claimLoopbackAddress(taken: Set<string>, ports: { name?: string; protocol: string; port: number }[], block: number, lowestPort = 0): Promise<{ ip: string; ports: PortBinding[] }> {
  const skipped = new Set(taken);
  for (let attempt = 0; attempt < 64; attempt++) {
    const ip = nextLoopbackAddress(skipped, block);
    const bindings = await assignMemberPorts(ip, ports, lowestPort);
    if (bindings.every((b) => b.hostPort === b.port || b.port < lowestPort)) return { ip, ports: bindings };
    skipped.add(ip);
  }
  const ip = nextLoopbackAddress(taken, block);
  return { ip, ports: await assignMemberPorts(ip, ports, lowestPort) };
}

/**
 * The first address of the platform's block of the loopback range (127.<block>.0.0/16; Linux
 * answers on all of 127.0.0.0/8 with no configuration) that no member holds. Each platform on a
 * machine has its own block (from its home folder), so their members do not meet.
 */
export function nextLoopbackAddress(taken: Set<string>, block: number): string {
  for (let n = 1; n < 256 * 256; n++) {
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    const ip = `127.${block}.${n >> 8}.${n & 255}`;
    if (!taken.has(ip)) return ip;
  }
  throw new Error(`no address is free in 127.${block}.0.0/16`);
}

/** The loopback block (1–254) of a platform, from something that names it (its members' folder). */
export function loopbackBlockOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 1 + (hash % 254);
}
