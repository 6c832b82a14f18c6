import { createServer } from 'node:net';
import type { PortBinding } from '@stratos/contracts';

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

/** A TCP port that nothing listens on right now. */
async function freePort(host = '127.0.0.1'): Promise<number> {
  const port = await tryListen(host, 0);
  if (port === null) throw new Error(`no free port on ${host}`);
  return port;
}

/** A free host port for each declared port (Cloud Foundry's $PORT, one per declared port). */
export async function assignHostPorts(ports: { name?: string; protocol: string; port: number }[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const port of ports) out.push({ name: port.name, protocol: port.protocol, port: port.port, hostPort: await freePort() });
  return out;
}

/**
 * Ports on a member's own address: each declared port as it is where it can be served there
 * (nothing else holds it, and it needs no privilege), else a free port on that address.
 */
export async function assignMemberPorts(ip: string, ports: { name?: string; protocol: string; port: number }[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const port of ports) out.push({ name: port.name, protocol: port.protocol, port: port.port, hostPort: (await tryListen(ip, port.port)) ?? (await freePort(ip)) });
  return out;
}

/**
 * A loopback address for a new member where every declared port is free (another platform on
 * the same machine may hold addresses this one does not know of), with its ports.
 */
export async function claimLoopbackAddress(taken: Set<string>, ports: { name?: string; protocol: string; port: number }[]): Promise<{ ip: string; ports: PortBinding[] }> {
  const skipped = new Set(taken);
  for (let attempt = 0; attempt < 64; attempt++) {
    const ip = nextLoopbackAddress(skipped);
    const bindings = await assignMemberPorts(ip, ports);
    if (bindings.every((b) => b.hostPort === b.port)) return { ip, ports: bindings };
    skipped.add(ip);
  }
  const ip = nextLoopbackAddress(taken);
  return { ip, ports: await assignMemberPorts(ip, ports) };
}

/**
 * The first loopback address (127.0.0.2 onwards; 127.0.0.1 is the platform's) that no member
 * holds: Linux answers on all of 127.0.0.0/8 with no configuration.
 */
export function nextLoopbackAddress(taken: Set<string>): string {
  for (let n = 2; n < 256 * 256 * 255; n++) {
    const ip = `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    if (!taken.has(ip)) return ip;
  }
  throw new Error('no loopback address is free');
}
