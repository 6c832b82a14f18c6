#!/usr/bin/env node
'use strict';
/*
 * The hello sample's web tier: GET /cgi-bin/hello answers with this member's id and how many
 * greetings the database holds; POST adds one, said by this member (POST ?said=NAME: said by
 * "MEMBER/NAME", so that a client can find its rows again). Node.js alone (the one every member
 * has, for its agent): PostgreSQL's wire protocol is spoken here, SCRAM-SHA-256 included, over a
 * few kept connections — a psql per request costs 20-60 ms of CPU, which caps two web members
 * at a few dozen requests a second on a small machine.
 *
 * Where the database is comes from /srv/hello-web/database.env, which the cartridge agent renders
 * from this member's metadata (/links/hello-db/...) and renders again when the database moves.
 * A database that cannot be reached, that does not answer within a second, or whose connection
 * breaks (it restarts, or it is live-migrated: frozen, then started on another host) is tried
 * again for 4.5 s, each time from where the config says it is now; any other error is answered
 * at once (503, with PostgreSQL's message).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

process.title = 'hello-web';
const CONFIG = '/srv/hello-web/database.env';
const WWW = path.join(__dirname, '..', 'www');
const POOL = 8;
const ANSWER_MS = 1000;
const RETRY_FOR_MS = 4500;

/** KEY=value lines; re-read when the file changes. */
let config = { stamp: '', values: {} };
function databaseConfig() {
  const root = (process.env.STRATOS_ROOT || '/').replace(/\/$/, '');
  const file = root + CONFIG;
  const stat = fs.statSync(file);
  const stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  if (stamp !== config.stamp) {
    const values = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0 && !line.startsWith('#')) values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    config = { stamp, values };
  }
  return config.values;
}

/** A connection error (as opposed to an error PostgreSQL answered with): worth another try. */
class Unreachable extends Error {}
class Refused extends Error {}

/** One PostgreSQL connection: startup, authentication, then simple queries one at a time. */
class Connection {
  constructor(settings) {
    this.settings = settings;
    this.buffer = Buffer.alloc(0);
    this.waiting = null; // { resolve, reject, rows, error }
  }

  open() {
    const { PGHOST, PGPORT, PGUSER, PGDATABASE } = this.settings;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: PGHOST, port: Number(PGPORT) || 5432 });
      this.socket = socket;
      socket.setNoDelay(true);
      const fail = (error) => {
        socket.destroy();
        const pending = this.waiting;
        this.waiting = null;
        const unreachable = new Unreachable(error.message);
        if (pending) pending.reject(unreachable);
        reject(unreachable);
      };
      const timer = setTimeout(() => fail(new Error(`no answer from ${PGHOST}:${PGPORT} within ${ANSWER_MS} ms`)), ANSWER_MS);
      socket.on('error', fail);
      socket.on('close', () => fail(new Error('the database closed the connection')));
      socket.on('data', (chunk) => this.receive(chunk));
      socket.on('connect', () => {
        const params = Buffer.from(`user\0${PGUSER}\0database\0${PGDATABASE}\0\0`);
        const head = Buffer.alloc(8);
        head.writeInt32BE(8 + params.length, 0);
        head.writeInt32BE(196608, 4); // protocol 3.0
        socket.write(Buffer.concat([head, params]));
      });
      this.waiting = {
        resolve: () => {
          clearTimeout(timer);
          resolve(this);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        rows: [],
        error: null,
      };
    });
  }

  send(type, body) {
    const head = Buffer.alloc(5);
    head.write(type, 0);
    head.writeInt32BE(4 + body.length, 1);
    this.socket.write(Buffer.concat([head, body]));
  }

  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const type = String.fromCharCode(this.buffer[0]);
      const body = this.buffer.subarray(5, 1 + length);
      this.buffer = this.buffer.subarray(1 + length);
      this.message(type, body);
    }
  }

  message(type, body) {
    const pending = this.waiting;
    if (type === 'R') return this.authenticate(body.readInt32BE(0), body.subarray(4));
    if (type === 'D' && pending) {
      const columns = [];
      let at = 2;
      for (let i = 0; i < body.readInt16BE(0); i++) {
        const length = body.readInt32BE(at);
        at += 4;
        columns.push(length < 0 ? null : body.toString('utf8', at, at + length));
        if (length > 0) at += length;
      }
      pending.rows.push(columns);
    } else if (type === 'E' && pending) {
      const fields = {};
      for (const field of body.toString('utf8').split('\0')) if (field) fields[field[0]] = field.slice(1);
      pending.error = new Refused(fields.M || 'PostgreSQL refused');
    } else if (type === 'Z' && pending) {
      this.waiting = null;
      if (pending.error) pending.reject(pending.error);
      else pending.resolve(pending.rows);
    }
  }

  /** Cleartext or SCRAM-SHA-256 (RFC 7677), as PostgreSQL asks. */
  authenticate(code, data) {
    const password = this.settings.PGPASSWORD || '';
    if (code === 0) return; // ok: ReadyForQuery follows
    if (code === 3) return this.send('p', Buffer.from(`${password}\0`));
    if (code === 10) {
      this.nonce = crypto.randomBytes(18).toString('base64');
      this.clientFirstBare = `n=,r=${this.nonce}`;
      const first = Buffer.from(`n,,${this.clientFirstBare}`);
      const length = Buffer.alloc(4);
      length.writeInt32BE(first.length, 0);
      return this.send('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), length, first]));
    }
    if (code === 11) {
      const serverFirst = data.toString('utf8');
      const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
      if (!attrs.r || !attrs.r.startsWith(this.nonce)) return this.socket.destroy(new Error('the server’s SCRAM nonce does not extend ours'));
      const salted = crypto.pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
      const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = crypto.createHash('sha256').update(clientKey).digest();
      const finalBare = `c=biws,r=${attrs.r}`;
      const signature = crypto.createHmac('sha256', storedKey).update(`${this.clientFirstBare},${serverFirst},${finalBare}`).digest();
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i])).toString('base64');
      return this.send('p', Buffer.from(`${finalBare},p=${proof}`));
    }
    if (code === 12) return; // SASL final: AuthenticationOk follows
    this.socket.destroy(new Error(`authentication method ${code} is not spoken here`));
  }

  /** One simple query (several statements are one transaction); its last result's rows. */
  query(sql) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Unreachable(`no answer from the database within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
      this.waiting = {
        resolve: (rows) => {
          clearTimeout(timer);
          resolve(rows);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        rows: [],
        error: null,
      };
      this.send('Q', Buffer.from(`${sql}\0`));
    });
  }
}

/** Idle connections to where the database was when they were made. */
const idle = [];
let waiters = [];
let open = 0;

async function withConnection(work) {
  const settings = databaseConfig();
  let connection = idle.pop();
  if (connection && connection.settings !== settings) {
    connection.socket.destroy(); // the database moved: connections to where it was are let go
    open--;
    connection = undefined;
  }
  if (!connection) {
    if (open >= POOL) {
      await new Promise((resolve) => waiters.push(resolve));
      return withConnection(work);
    }
    open++;
    try {
      connection = await new Connection(settings).open();
    } catch (error) {
      open--;
      waiters.shift()?.();
      throw error;
    }
  }
  try {
    const result = await work(connection);
    idle.push(connection);
    return result;
  } catch (error) {
    if (error instanceof Refused) idle.push(connection);
    else {
      connection.socket.destroy();
      open--;
    }
    throw error;
  } finally {
    waiters.shift()?.();
  }
}

async function greetings(said) {
  const sql = (said ? `INSERT INTO greetings (said_by) VALUES ('${said}'); ` : '') + 'SELECT count(*) FROM greetings';
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      const rows = await withConnection((connection) => connection.query(sql));
      return { count: rows[0][0], at: databaseConfig() };
    } catch (error) {
      if (!(error instanceof Unreachable) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const memberId = () => process.env.MEMBER_ID || databaseConfig().MEMBER_ID;

const server = http
  .createServer(async (request, response) => {
    const url = new URL(request.url, 'http://hello');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      return fs.createReadStream(path.join(WWW, 'index.html')).pipe(response);
    }
    if (url.pathname !== '/cgi-bin/hello') {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      return response.end('not found\n');
    }
    const name = url.searchParams.get('said');
    // ?wait=MS (at most 10 s): the answer takes that long, as a slow page's would — requests in flight to try the autoscaler on.
    const wait = Math.min(10_000, Math.max(0, Number(url.searchParams.get('wait')) || 0));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      const said = request.method === 'POST' ? (name && /^[A-Za-z0-9_-]{1,64}$/.test(name) ? `${memberId()}/${name}` : memberId()) : null;
      const { count, at } = await greetings(said);
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end(`hello from ${memberId()}: ${count} greetings in ${at.PGDATABASE} at ${at.PGHOST}:${at.PGPORT}\n`);
    } catch (error) {
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      response.end(`${memberId()} cannot reach its database: ${error.message}\n`);
    }
  })
  .listen(Number(process.env.PORT_8080) || 8080, process.env.MEMBER_IP || '0.0.0.0');

// Told to stop (the member is shut down, after the platform drained it from the load balancer):
// no new connections, the requests in hand answered, then gone (at most 10 s).
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
});
