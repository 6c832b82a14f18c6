/** The embedded broker (aedes) in a process of its own (aedes-broker.ts): its CPU apart from the controller's, as under `npm start`. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AedesProcess {
  /** mqtt:// or mqtts://, with the platform's credentials. */
  url: string;
  pid: number;
  /** Members' identities are derived from it (the controller's STRATOS_MEMBER_SECRET). */
  memberSecret: string;
  /** With TLS: the self-signed certificate (PEM) clients trust. */
  caCert?: string;
  stop(): Promise<void>;
}

/** tlsHome: over TLS with that folder's self-signed pair (made there), as npm start runs it by default. */
export async function startAedesProcess(options: { tlsHome?: string } = {}): Promise<AedesProcess> {
  const [password, memberSecret] = [randomUUID(), randomUUID()];
  const child = spawn(process.execPath, [join(__dirname, 'aedes-broker.js')], {
    env: { ...process.env, BROKER_PASSWORD: password, STRATOS_MEMBER_SECRET: memberSecret, ...(options.tlsHome ? { BROKER_TLS_HOME: options.tlsHome } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the aedes broker exited (${code})`)));
  });
  return {
    url: `${options.tlsHome ? 'mqtts' : 'mqtt'}://stratos:${password}@127.0.0.1:${port}`,
    pid: child.pid!,
    memberSecret,
    caCert: options.tlsHome ? await readFile(join(options.tlsHome, 'tls', 'cert.pem'), 'utf8') : undefined,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
