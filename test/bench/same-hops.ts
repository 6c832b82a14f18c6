/**
 * A baseline for the cartridge API bench: the platform's hops for a create, written by hand —
 * node:http → MQTT (QoS 1) → a worker → one INSERT … RETURNING into a copy of the cartridges
 * table → the reply and a topology event over MQTT → the HTTP response — with no framework,
 * no validation, no auth and no log, in two processes of their own as the manager and the
 * controller are. What is left between it and bare PostgreSQL is what the architecture costs
 * (processes and broker hops); what is left between the platform and it is the platform's own.
 *
 * Started as `node same-hops.js front|worker …` by startSameHops.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';

const REQUEST_TOPIC = 'bench/same-hops/create';
const REPLY_TOPIC = `${REQUEST_TOPIC}/reply`;

function connected(url: string, clientId: string): MqttClient {
  const client = mqtt.connect(url, { clientId });
  client.on('connect', () => (client.stream as Socket).setNoDelay(true)); // as the platform's clients
  return client;
}

/** Receives POSTs, publishes each as a request, answers it when its reply comes. */
function front(mqttUrl: string, port: number): void {
  const client = connected(mqttUrl, `bench-same-hops-front-${process.pid}`);
  const waiting = new Map<number, ServerResponse>();
  let next = 0;
  client.on('message', (_topic, payload) => {
    const reply = JSON.parse(payload.toString()) as { id: number; ok: boolean; data: unknown };
    const response = waiting.get(reply.id);
    waiting.delete(reply.id);
    response?.writeHead(reply.ok ? 201 : 409, { 'content-type': 'application/json' }).end(JSON.stringify(reply.data));
  });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = ++next;
      waiting.set(id, response);
      client.publish(REQUEST_TOPIC, JSON.stringify({ id, definition: JSON.parse(Buffer.concat(chunks).toString()) }), { qos: 1 });
    });
  });
  client.on('connect', () => client.subscribe(REPLY_TOPIC, { qos: 0 }, () => server.listen(port, '127.0.0.1', () => process.send?.('ready'))));
}

/** Takes each request, inserts its row, publishes the reply and a topology event. */
function worker(mqttUrl: string, databaseUrl: string, table: string): void {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 32 });
  pool.on('error', () => undefined); // the server stops at the end of the run
  const client = connected(mqttUrl, `bench-same-hops-worker-${process.pid}`);
  client.on('message', (_topic, payload) => {
    const { id, definition } = JSON.parse(payload.toString()) as { id: number; definition: { type: string; category: string } };
    pool
      .query(`INSERT INTO ${table} (type, category, definition, providers, created_by, created_at, updated_at) VALUES ($1, $2, $3, '[]', 'bench', now(), now()) ON CONFLICT (type) DO NOTHING RETURNING type`, [definition.type, definition.category, JSON.stringify(definition)])
      .then(
        ({ rows }) => {
          client.publish(REPLY_TOPIC, JSON.stringify({ id, ok: rows.length > 0, data: { cartridge: definition, warnings: [] } }));
          if (rows.length > 0) client.publish('bench/same-hops/topology', JSON.stringify({ type: 'ServiceCreated', payload: { serviceName: definition.type } }), { qos: 1 });
        },
        (error: Error) => client.publish(REPLY_TOPIC, JSON.stringify({ id, ok: false, data: { message: error.message } })),
      );
  });
  client.on('connect', () => client.subscribe(REQUEST_TOPIC, { qos: 1 }, () => process.send?.('ready')));
}

/** Starts the front (on `port`) and the worker, each a process of its own; resolves once both are ready. */
export async function startSameHops(options: { mqttUrl: string; databaseUrl: string; table: string; port: number }): Promise<{ url: string; pids: number[]; stop(): Promise<void> }> {
  const children: ChildProcess[] = [fork(__filename, ['worker', options.mqttUrl, options.databaseUrl, options.table]), fork(__filename, ['front', options.mqttUrl, String(options.port)])];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`the same-hops baseline's process exited (${code}) before it was ready`)));
        }),
    ),
  );
  return {
    url: `http://127.0.0.1:${options.port}`,
    pids: children.map((c) => c.pid!),
    async stop() {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGKILL'))))));
    },
  };
}

if (require.main === module) {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'front') front(args[0], Number(args[1]));
  else if (role === 'worker') worker(args[0], args[1], args[2]);
}
