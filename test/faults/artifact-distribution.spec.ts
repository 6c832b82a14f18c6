/**
 * Faults in the middle of an artifact's distribution, each in the middle of a copy of a 60 MB
 * image to a region that is a Docker engine of the test's own: the target engine down → that
 * region Failed with the reason, the others untouched, and distributing again once it is back
 * copies it; the target engine restarting mid-copy → Failed or Available whole, never half; the
 * controller killed (-9) → the restarted one finds the copy unfinished and starts
 * it again, and it ends Available with the image whole (its id checked on arrival).
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import type { ArtifactView } from '@stratos/contracts';
import { dockerForTests } from '../support/docker';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { ownEngineAvailable, startOwnEngine, type OwnEngine } from '../support/second-engine';

const docker = dockerForTests() && ownEngineAvailable();

(docker ? describe : describe.skip)('faults during an artifact distribution', () => {
  let eu: OwnEngine;
  let us: OwnEngine;
  let platform: TestPlatform;
  const image = `stratos-test/fault-artifact-${process.pid}:1`;

  beforeAll(async () => {
    const made = spawnSync('sh', ['-c', `set -e; d=$(mktemp -d); cp /bin/busybox "$d/"; head -c 60000000 /dev/urandom > "$d/blob"; tar -C "$d" -c . | docker import - ${image} >/dev/null; rm -rf "$d"`], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
    eu = await startOwnEngine([], { pool: '10.213.0.0/16' });
    us = await startOwnEngine([], { pool: '10.214.0.0/16' });
    platform = await startTestPlatform({
      broker: 'aedes',
      docker: 'on',
      controllerProcess: true,
      regions: [
        { driver: 'docker', region: 'eu', endpoint: `unix://${eu.socket}` },
        { driver: 'docker', region: 'us', endpoint: `unix://${us.socket}` },
      ],
    });
    await platform.post('/artifacts', { name: 'blob', version: '1', image });
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    await eu?.stop();
    await us?.stop();
    spawnSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' });
  });

  /** Each region's copy as the API says now ({} while it cannot say: the controller restarting). */
  const regionsOf = async () => {
    const { status, body } = await platform.api<ArtifactView>('GET', '/artifacts/blob');
    return status === 200 ? Object.fromEntries(body.versions[0].regions.map((r) => [r.region, r])) : {};
  };
  const clean = async (engine: OwnEngine) => engine.docker.getImage(image).remove().catch(() => undefined);

  it("fails only the region whose engine does not answer, with the reason; distributing again once it is back copies it", async () => {
    await eu.kill();
    await platform.post('/artifacts/blob/versions/1/distribute', { regions: ['eu', 'us'] }, 202);
    const after = await until('eu Failed, us Available', async () => {
      const regions = await regionsOf();
      return regions.eu?.state === 'Failed' && regions.us?.state === 'Available' ? regions : undefined;
    }, 120_000);
    expect(after.eu.reason).toMatch(/ENOENT|ECONNREFUSED|connect|socket/);
    expect(after.us).toEqual(expect.objectContaining({ state: 'Available', percent: 100 }));
    await eu.start();
    await platform.post('/artifacts/blob/versions/1/distribute', { regions: ['eu'] }, 202);
    await until('eu Available', async () => (await regionsOf()).eu?.state === 'Available', 120_000);
    const sourceId = (await platform.api<ArtifactView>('GET', '/artifacts/blob')).body.versions[0].imageId;
    expect((await eu.docker.getImage(image).inspect()).Id).toBe(sourceId);
  }, 240_000);

  it('never leaves a region half copied when its engine restarts mid-copy: Failed with the reason, or Available whole', async () => {
    await platform.api('DELETE', '/artifacts/blob/versions/1?region=eu');
    await clean(eu);
    const watch = await platform.watchEvents();
    await platform.post('/artifacts/blob/versions/1/distribute', { regions: ['eu'] }, 202);
    await until('eu copying', async () => watch.events.some((e) => e.type === 'ArtifactDistribution' && e.payload.region.region === 'eu' && e.payload.region.state === 'Copying'), 60_000);
    const restartS = await eu.restart();
    await watch.close();
    // What eu was last seen as, for the failure's message: where a copy that never settles stopped.
    let lastSeen: unknown = 'nothing yet';
    const settled = await until(
      'eu settled',
      async () => {
        const { status, body } = await platform.api<ArtifactView>('GET', '/artifacts/blob');
        lastSeen = status === 200 ? body.versions[0].regions.find((r) => r.region === 'eu') : { status, body };
        const eu = lastSeen as ArtifactView['versions'][number]['regions'][number] | undefined;
        return eu?.state === 'Failed' || eu?.state === 'Available' ? eu : undefined;
      },
      120_000,
    ).catch((error: Error) => {
      const copying = watch.events.filter((e) => e.type === 'ArtifactDistribution' && e.payload.region.region === 'eu').map((e) => `${e.payload.region.state} ${e.payload.region.percent}%`);
      throw new Error(`${error.message}; the engine's restart took ${restartS} s; eu last seen as ${JSON.stringify(lastSeen)}; eu's events before the restart: ${copying.join(', ')}`);
    });
    process.stdout.write(`artifact fault: eu's engine restarted mid-copy: ${settled.state}${settled.reason ? ` (${settled.reason})` : ''}\n`);
    const there = await eu.docker.getImage(image).inspect().catch(() => null);
    if (settled.state === 'Available') expect(there?.Id).toBe(settled.imageId);
    else expect(settled.reason).toMatch(/\w/);
  }, 240_000);

  it('starts an unfinished copy again after the controller is killed in the middle of it', async () => {
    await platform.api('DELETE', '/artifacts/blob/versions/1?region=us');
    await clean(us);
    const watch = await platform.watchEvents();
    await platform.post('/artifacts/blob/versions/1/distribute', { regions: ['us'] }, 202);
    await until('us copying', async () => watch.events.some((e) => e.type === 'ArtifactDistribution' && e.payload.region.region === 'us' && e.payload.region.state === 'Copying'), 60_000);
    await platform.killController();
    await watch.close();
    // Left as the killed controller left it: unfinished (read from the database: the API asks the controller).
    const db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT regions->'us'->>'state' AS state FROM artifact_versions WHERE name = 'blob'`);
    await db.end();
    expect(['Pending', 'Copying']).toContain(rows[0].state);
    await platform.startController();
    await until('us Available after the restart', async () => (await regionsOf()).us?.state === 'Available', 120_000);
    const sourceId = (await platform.api<ArtifactView>('GET', '/artifacts/blob')).body.versions[0].imageId;
    expect((await us.docker.getImage(image).inspect()).Id).toBe(sourceId);
  }, 240_000);
});
