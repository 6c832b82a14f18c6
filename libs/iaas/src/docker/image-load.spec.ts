/**
 * The docker driver's image load against an engine that goes wrong mid-load in the two ways a
 * real one cannot be made to on demand: it stops taking bytes without closing the connection, or
 * it closes its answer before the end. Either way the load fails with the reason, never waits on.
 * The "engine" is an HTTP server on a unix socket answering `POST /images/load` as dockerd does.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import { DockerDriver } from './docker.driver';

describe('docker image load (a failing engine)', () => {
  let dir: string;
  let server: Server;
  let behaviour: 'silent' | 'cut' | 'whole' = 'whole';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-load-'));
    server = createServer((req, res) => {
      if (behaviour === 'silent') return; // reads nothing, answers nothing, keeps the connection
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (behaviour === 'cut') {
          res.write('{"stream":"Loading layer"}\n');
          setTimeout(() => req.socket.destroy(), 50);
        } else res.end('{"stream":"Loaded image: x:1\\n"}\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const driver = () => new DockerDriver({ platformId: 'test', docker: new Docker({ socketPath: join(dir, 'docker.sock') }), loadStallMs: 1500 });

  it('loads what the engine takes whole and says it loaded', async () => {
    behaviour = 'whole';
    await expect(driver().images!.load(Readable.from([Buffer.alloc(1024)]))).resolves.toBeUndefined();
  });

  it('gives up a load on which no byte moves for its stall time, with the reason', async () => {
    behaviour = 'silent';
    const tar = new PassThrough();
    tar.write(Buffer.alloc(1024)); // then nothing more, as a source stuck behind a dead engine
    const started = Date.now();
    await expect(driver().images!.load(tar)).rejects.toThrow('the engine took no bytes and said nothing for 1.5 s: the copy stalled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });

  it('fails a load whose answer the engine cuts short', async () => {
    behaviour = 'cut';
    await expect(driver().images!.load(Readable.from([Buffer.alloc(1024)]))).rejects.toThrow(/aborted|closed the connection|ECONNRESET/);
  });
});
