import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import { createRootLogger, currentRequestId, httpLogging, ProcessLogger, runWithLogger, withMessageLogging } from './process-logger';

/** A logger whose lines land in `lines`, parsed. */
function collected(level: 'info' | 'debug' = 'info') {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, root: createRootLogger('test', { level, format: 'json', stream }) };
}

describe('httpLogging', () => {
  const { lines, root } = collected();
  let server: Server;
  let port: number;
  /** How the test server answers each path. */
  const handlers: Record<string, (request: IncomingMessage & { id?: string }, response: ServerResponse) => void> = {
    '/ok': (_request, response) => response.end('ok'),
    '/missing': (_request, response) => ((response.statusCode = 404), response.end()),
    '/broken': (_request, response) => ((response.statusCode = 500), response.end()),
    '/api/health': (_request, response) => response.end('up'),
    // As the manager's request context does: the handler's lines in the request's own logger.
    '/talks': (request, response) => runWithLogger(root, () => root.child({ reqId: request.id }), () => (new ProcessLogger(root).log('inside'), response.end())),
    '/hangs': () => arrived(),
    '/events': (_request, response) => (response.setHeader('content-type', 'text/event-stream'), response.write(': open\n\n'), arrived()),
  };
  const logging = httpLogging(root);
  let arrived: () => void = () => undefined;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage & { id?: string }, response) => {
      request.id = String(request.headers['x-request-id'] ?? 'none');
      logging(request, response, () => handlers[request.url ?? '']?.(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string, id: string) =>
    new Promise<number>((resolve, reject) => {
      httpRequest({ port, host: '127.0.0.1', path, headers: { 'x-request-id': id } }, (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      })
        .once('error', reject)
        .end();
    });
  /** The lines of one request, once its completion line (or another last line) is there. */
  const linesOf = async (id: string, last: string) => {
    for (let tries = 0; !lines.some((l) => l.reqId === id && l.msg === last); tries++) {
      if (tries > 200) throw new Error(`no "${last}" line for ${id}: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return lines.filter((l) => l.reqId === id);
  };

  it('writes one line per request with its id, method, URL, address, status and time, at a level by status', async () => {
    await get('/ok', 'a');
    await get('/missing', 'b');
    await get('/broken', 'c');
    const [ok] = await linesOf('a', 'request completed');
    expect(ok).toMatchObject({ level: 'info', req: { method: 'GET', url: '/ok', remoteAddress: '127.0.0.1' }, res: { statusCode: 200 } });
    expect(typeof ok.responseTime).toBe('number');
    expect((await linesOf('b', 'request completed'))[0]).toMatchObject({ level: 'warn', res: { statusCode: 404 } });
    expect((await linesOf('c', 'request completed'))[0]).toMatchObject({ level: 'error', res: { statusCode: 500 } });
  });

  it("binds the id to the request's own logger, and skips probes", async () => {
    await get('/api/health', 'probe');
    await get('/talks', 'd');
    expect((await linesOf('d', 'request completed')).map((l) => l.msg)).toEqual(['inside', 'request completed']);
    // The probe was answered before /talks was asked: had it written a line, it would be there now.
    expect(lines.filter((l) => l.reqId === 'probe')).toEqual([]);
  });

  it('says when the caller left before the answer', async () => {
    const sent = httpRequest({ port, host: '127.0.0.1', path: '/hangs', headers: { 'x-request-id': 'e' } });
    sent.once('error', () => undefined);
    const there = new Promise<void>((resolve) => (arrived = resolve));
    sent.end();
    await there;
    sent.destroy();
    expect(await linesOf('e', 'request aborted')).toEqual([expect.objectContaining({ level: 'warn', req: expect.objectContaining({ url: '/hangs' }) })]);
  });

  it('tells an event stream whose watcher left as its normal end (info), not as an abort', async () => {
    const sent = httpRequest({ port, host: '127.0.0.1', path: '/events', headers: { 'x-request-id': 'f' } });
    sent.once('error', () => undefined);
    const there = new Promise<void>((resolve) => (arrived = resolve));
    sent.end();
    await there;
    sent.destroy();
    expect(await linesOf('f', 'event stream closed by the caller')).toEqual([expect.objectContaining({ level: 'info', req: expect.objectContaining({ url: '/events' }), res: { statusCode: 200 } })]);
  });
});

describe('runWithLogger', () => {
  it('makes a lazily given logger only when a line is written, once', () => {
    const { lines, root } = collected();
    let made = 0;
    const lazy = () => (made++, root.child({ reqId: 'lazy' }));
    runWithLogger(root, lazy, () => expect(currentRequestId()).toBe('r1'), 'r1');
    expect(made).toBe(0);
    expect(lines).toEqual([]);
    const logger = new ProcessLogger(root);
    runWithLogger(root, lazy, () => (logger.log('one', 'Test'), logger.log('two', 'Test')), 'r2');
    expect(made).toBe(1);
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([['lazy', 'one'], ['lazy', 'two']]);
  });
});

describe('withMessageLogging', () => {
  it("handles a message in its request's context: its lines carry the manager's request id, and a debug line says it completed", async () => {
    const { lines, root } = collected('debug');
    const handled = withMessageLogging(root, 'stratos/cc/cartridges/create', async (data: unknown) => {
      new ProcessLogger(root).log('inside', 'Handler');
      return { seen: (data as { n: number }).n, id: currentRequestId() };
    });
    expect(await handled({ requestId: 'req-7', n: 3 })).toEqual({ seen: 3, id: 'req-7' });
    expect(lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['req-7', 'inside', 'info'],
      ['req-7', 'message completed', 'debug'],
    ]);
    expect(lines[1]).toMatchObject({ pattern: 'stratos/cc/cartridges/create', responseTime: expect.any(Number) });
  });

  it('numbers a message without a request id, writes no line at info when it succeeds, and logs and rethrows a failure', async () => {
    const { lines, root } = collected('info');
    const quiet = withMessageLogging(root, 'a/topic', async () => 'done');
    expect(await quiet(undefined)).toBe('done');
    expect(lines).toEqual([]);
    const failing = withMessageLogging(root, 'b/topic', async () => {
      throw new Error('boom');
    });
    await expect(failing({ requestId: 42 })).rejects.toThrow('boom');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'message failed', pattern: 'b/topic', reqId: expect.stringMatching(/^rpc-\d+$/), err: { message: 'boom' } });
    // As Nest's exception filter answers: a stream that fails.
    const answered = withMessageLogging(root, 'c/topic', async () => throwError(() => new Error('bang')));
    await expect(lastValueFrom((await answered({ requestId: 'r-c' })) as Observable<unknown>)).rejects.toThrow('bang');
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'message failed', pattern: 'c/topic', reqId: 'r-c', err: { message: 'bang' } });
  });
});

describe('createRootLogger', () => {
  it('redacts secrets by path, at the top, one level down and in request headers; the access line keeps its fields', async () => {
    const { lines, root } = collected('info');
    root.info({ password: 'p1', cluster: { mbPassword: 'p2', name: 'web' }, req: { headers: { authorization: 'Bearer t', accept: '*/*' } } }, 'with secrets');
    root.child({ reqId: 'r' }).warn({ body: { token: 't2', privateKey: 'k' } }, 'in a child');
    expect(lines[0]).toMatchObject({ password: '[redacted]', cluster: { mbPassword: '[redacted]', name: 'web' }, req: { headers: { authorization: '[redacted]', accept: '*/*' } } });
    expect(lines[1]).toMatchObject({ reqId: 'r', body: { token: '[redacted]', privateKey: '[redacted]' } });
    expect(JSON.stringify(lines)).not.toMatch(/p1|p2|Bearer t|t2|"k"/);
  });
});
