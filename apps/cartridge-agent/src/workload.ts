/**
 * What the member runs: the cartridge's START_COMMAND, or, for images that bring no
 * software (Stratos's mock samples), a built-in service that answers on every declared port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { PortBinding } from '@stratos/contracts';
import type { LaunchPayload } from './launch-payload';

export interface Workload {
  /** Resolves if the workload ends by itself (a failure: members do not end on their own). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export function startWorkload(payload: LaunchPayload): Workload {
  return payload.startCommand ? runCommand(payload) : serveDeclaredPorts(payload);
}

function runCommand(payload: LaunchPayload): Workload {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(payload.ports[0]?.hostPort ?? '') };
  for (const p of payload.ports) env[`PORT_${p.port}`] = String(p.hostPort);
  delete env.MB_PASSWORD; // the workload has no business with the agent's broker credential
  const child: ChildProcess = spawn('/bin/sh', ['-c', payload.startCommand!], { stdio: 'inherit', env });
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`the start command exited (${signal ?? `code ${code}`})`)));
  return {
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function serveDeclaredPorts(payload: LaunchPayload): Workload {
  const servers: Server[] = [];
  let failed: (why: string) => void = () => undefined;
  const exited = new Promise<string>((resolve) => (failed = resolve));
  const body = (port: PortBinding) => JSON.stringify({ memberId: payload.memberId, clusterId: payload.clusterId, serviceName: payload.serviceName, port: port.port });
  for (const port of payload.ports) {
    if (port.protocol === 'http' || port.protocol === 'https') {
      const server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`${body(port)}\n`));
      server.on('error', (error: NodeJS.ErrnoException) => failed(`port ${port.port} (host ${port.hostPort}) cannot be served: ${error.code ?? error.message}`));
      servers.push(server.listen(port.hostPort, payload.bindAddress));
    } else {
      const server = createTcpServer((socket) => {
        socket.on('error', () => undefined); // a probe that hangs up at once is no failure
        socket.end(`${body(port)}\n`);
      });
      server.on('error', (error: NodeJS.ErrnoException) => failed(`port ${port.port} (host ${port.hostPort}) cannot be served: ${error.code ?? error.message}`));
      servers.push(server.listen(port.hostPort, payload.bindAddress) as unknown as Server);
    }
  }
  return {
    exited,
    stop: async () => {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r(undefined)))));
    },
  };
}

/** Waits until every port accepts a connection; rejects naming the ports that never did. */
/**
 * Waits until every port accepts connections at `host`, or (a member whose address is its own, in
 * a container) at any of its own addresses: a workload may listen on its address only.
 */
export async function waitForPorts(host: string, ports: PortBinding[], timeoutMs: number, ownAddresses = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ports);
  const hosts = ownAddresses ? [host, ...localAddresses()] : [host];
  while (pending.size > 0) {
    for (const port of [...pending]) for (const h of hosts) if (pending.has(port) && (await accepts(h, port.hostPort))) pending.delete(port);
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new Error(`port(s) ${[...pending].map((p) => `${p.port} (host ${p.hostPort})`).join(', ')} did not accept connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** This host's own IPv4 addresses besides loopback. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => Boolean(a) && a!.family === 'IPv4' && !a!.internal)
    .map((a) => a.address);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
