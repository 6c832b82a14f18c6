import { createServer } from 'node:net';

/** A TCP port on `host` that nothing listens on right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Turns EADDRINUSE and friends into a sentence a person can act on. */
export function describeListenError(error: unknown, what: string, port: number, variable: string): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new Error(`${what}: port ${port} is already in use; stop what holds it or set ${variable} to another port`);
  if (code === 'EACCES') return new Error(`${what}: not allowed to listen on port ${port}; set ${variable} to a port above 1024`);
  return error instanceof Error ? error : new Error(String(error));
}

/** Fails with describeListenError's sentence when something already listens on the port. */
export function assertPortFree(options: { host: string; port: number; what: string; variable: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(describeListenError(error, options.what, options.port, options.variable)));
    server.listen(options.port, options.host, () => server.close(() => resolve()));
  });
}
