/**
 * Requests in flight per balanced cluster, read from the member's own load balancer — Stratos's
 * load balancer extension reported the same to its autoscaler. A cartridge says where with
 * `payload_parameter.REQUESTS_IN_FLIGHT_FROM`:
 *
 *   haproxy:/run/hello-lb/stats.sock   HAProxy's stats socket (`stats socket … level user` in its
 *                                      global section); each backend named after the alias of the
 *                                      cluster it balances (the one its template reads under /links/ALIAS)
 *
 * A backend's requests in flight are its current sessions and its queue (`scur` + `qcur` of its
 * BACKEND row): in HTTP mode a session is a request being served.
 */
import { createConnection } from 'node:net';

export interface RequestsInFlightSource {
  kind: 'haproxy';
  socket: string;
}

/** What a balancer says about one backend: the alias of the cluster it balances, and its requests in flight now. */
export interface BalancedLoad {
  alias: string;
  requestsInFlight: number;
}

const KINDS = ['haproxy'] as const;

/** The parameter's value, or an error that says what is allowed. */
export function parseRequestsInFlightSource(text: string): RequestsInFlightSource {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const where = colon < 0 ? '' : text.slice(colon + 1);
  if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`REQUESTS_IN_FLIGHT_FROM "${text}": the source must be one of ${KINDS.map((k) => `${k}:/path/to/stats.sock`).join(', ')}`);
  if (!where.startsWith('/') || where.includes('\0')) throw new Error(`REQUESTS_IN_FLIGHT_FROM "${text}": ${kind}'s stats socket must be an absolute path`);
  return { kind: 'haproxy', socket: where };
}

/**
 * HAProxy's `show stat` CSV (a `# pxname,svname,…` header, then a row per frontend, server and
 * backend): each backend's requests in flight. Columns are found by name; rows that do not parse
 * are skipped (a newer HAProxy may add columns, never rename these).
 */
export function parseHaproxyStat(csv: string): BalancedLoad[] {
  const lines = csv.split('\n');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const columns = header.slice(2).split(',');
  const [px, sv, scur, qcur] = ['pxname', 'svname', 'scur', 'qcur'].map((name) => columns.indexOf(name));
  if (px < 0 || sv < 0 || scur < 0) return [];
  const found: BalancedLoad[] = [];
  for (const line of lines) {
    if (line.startsWith('#') || !line.trim()) continue;
    const cells = line.split(',');
    if (cells[sv] !== 'BACKEND' || !cells[px]) continue;
    const sessions = Number(cells[scur]);
    const queued = qcur < 0 || cells[qcur] === '' ? 0 : Number(cells[qcur]);
    if (!Number.isInteger(sessions) || sessions < 0 || !Number.isInteger(queued) || queued < 0) continue;
    found.push({ alias: cells[px], requestsInFlight: sessions + queued });
  }
  return found;
}

/** Asks HAProxy's stats socket once (`show stat`); fails after `timeoutMs` or if the socket is not there. */
export function readHaproxyStats(socket: string, timeoutMs = 1000): Promise<BalancedLoad[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const connection = createConnection(socket);
    const timer = setTimeout(() => connection.destroy(new Error(`no answer from ${socket} within ${timeoutMs} ms`)), timeoutMs);
    connection.on('connect', () => connection.end('show stat\n'));
    connection.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 16 * 1024 * 1024) return connection.destroy(new Error(`${socket} answered more than 16 MB`));
      chunks.push(chunk);
    });
    connection.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    connection.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(parseHaproxyStat(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

/** Reads the source; a balancer not up yet (or restarting) says nothing rather than zero. */
export async function readBalancedLoad(source: RequestsInFlightSource): Promise<BalancedLoad[] | null> {
  try {
    return await readHaproxyStats(source.socket);
  } catch {
    return null;
  }
}
