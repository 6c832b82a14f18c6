import { createServer } from 'node:net';
import type { PortBinding } from '@stratos/contracts';

/** A TCP port that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A free host port for each declared port (Cloud Foundry's $PORT, one per declared port). */
export async function assignHostPorts(ports: { name?: string; protocol: string; port: number }[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const port of ports) out.push({ name: port.name, protocol: port.protocol, port: port.port, hostPort: await freePort() });
  return out;
}
