/**
 * Distributing an image artifact: a 100 MB image (busybox and 100 MB of noise, so that no engine
 * has any of it) copied by the platform from the default engine to two regions (two dockerd of
 * the bench's own, on this machine), beside a raw `docker save | docker -H … load` to the same two
 * engines at once, from the same run.
 *
 * Then the choice the platform made, measured: engine to engine (save → load) against a registry
 * (Debian's docker-registry, one of the bench's own on loopback: push from the source, pull in each
 * region), for the first version and for a second one that adds 1 MB on top of it — where a
 * registry sends only the layer a region lacks and a save streams the whole image again.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startOwnEngine, type OwnEngine } from '../support/second-engine';
import { startBenchPlatform } from './bench-platform';
import { table } from './stats';

const run = promisify(execFile);
const MB = Number(process.env.BENCH_ARTIFACT_MB ?? 100);

export async function benchArtifacts(): Promise<string> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0 || process.getuid?.() !== 0) return 'Artifact distribution: skipped (needs a Docker engine and root, for two dockerd of its own)';
  const image = `stratos-bench/artifact-${process.pid}:1`;
  const made = spawnSync('sh', ['-c', `set -e; d=$(mktemp -d); cp /bin/busybox "$d/"; head -c ${MB * 1_000_000} /dev/urandom > "$d/blob"; tar -C "$d" -c . | docker import - ${image} >/dev/null; rm -rf "$d"`], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`making the image: ${made.stderr}`);
  const engines: OwnEngine[] = [];
  try {
    engines.push(await startOwnEngine([], { pool: '10.213.0.0/16' }), await startOwnEngine([], { pool: '10.214.0.0/16' }));
    const size = Number((await run('docker', ['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim());

    // The floor: both copies at once, by hand.
    const rawStarted = process.hrtime.bigint();
    await Promise.all(engines.map((e) => run('sh', ['-c', `docker save ${image} | docker -H unix://${e.socket} load >/dev/null`])));
    const raw = Number(process.hrtime.bigint() - rawStarted) / 1e9;
    for (const e of engines) await e.docker.getImage(image).remove();

    const platform = await startBenchPlatform({
      docker: 'on',
      regions: engines.map((e, i) => ({ driver: 'docker' as const, region: ['eu', 'us'][i], endpoint: `unix://${e.socket}` })),
    });
    try {
      await platform.call('POST', '/artifacts', { name: 'bench', version: '1', image }, 201);
      const started = process.hrtime.bigint();
      await platform.call('POST', '/artifacts/bench/versions/1/distribute', { regions: ['eu', 'us'] }, 202);
      for (;;) {
        const { versions } = await platform.call('GET', '/artifacts/bench');
        const states = (versions[0].regions as { region: string; state: string; reason?: string }[]).filter((r) => r.region !== 'default');
        const failed = states.find((r) => r.state === 'Failed');
        if (failed) throw new Error(`region ${failed.region} failed: ${failed.reason}`);
        if (states.every((r) => r.state === 'Available')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const platformS = Number(process.hrtime.bigint() - started) / 1e9;
      const rate = (s: number) => ((2 * size) / 1e6 / s).toFixed(0);
      const distribution = `Artifact distribution: one ${(size / 1e6).toFixed(0)} MB image to 2 regions (two dockerd of the bench's own), same run\n${table(
        ['copy', 's', 'MB/s (both regions)', 'note'],
        [
          ['stratos artifact distribute', platformS.toFixed(2), rate(platformS), `${(platformS / raw).toFixed(2)}× the raw copy; checked on arrival (image id)`],
          ['raw docker save | docker load (both at once)', raw.toFixed(2), rate(raw), 'the floor'],
        ],
      )}`;
      await platform.stop();
      return `${distribution}\n\n${await saveLoadBesideRegistry(image, engines)}`;
    } catch (error) {
      await platform.stop();
      throw error;
    }
  } finally {
    for (const e of engines) await e.stop();
    spawnSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' });
  }
}

/**
 * save → load against push → pull through a registry on loopback, both to the same two engines
 * (emptied of the image first), for the version above and for a second version that adds 1 MB on
 * top of it (docker commit of a container of the first: its layers and one more).
 */
async function saveLoadBesideRegistry(image: string, engines: OwnEngine[]): Promise<string> {
  const registryBinary = ['/usr/bin/docker-registry', '/usr/bin/registry'].find((p) => existsSync(p));
  if (!registryBinary) return 'Engine to engine beside a registry: skipped (no docker-registry: apt-get install docker-registry)';
  const dir = await mkdtemp(join(tmpdir(), 'stratos-bench-registry-'));
  const port = 5100 + (process.pid % 800);
  const second = image.replace(/:1$/, ':2');
  let registry: ChildProcess | null = null;
  try {
    await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`);
    registry = spawn(registryBinary, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let tries = 0; !(await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok).catch(() => false)); tries++) {
      if (tries > 100) throw new Error(`the registry did not answer on 127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The second version: the first's layers and 1 MB more.
    await run('sh', ['-c', `set -e; c=$(docker create --network none ${image} /busybox true); head -c 1000000 /dev/urandom > ${dir}/more; docker cp ${dir}/more $c:/more; docker commit $c ${second} >/dev/null; docker rm $c >/dev/null`]);
    const inRegistry = (ref: string) => `127.0.0.1:${port}/${ref.replace(/^[^/]*\//, '')}`;
    const clear = async () => {
      for (const e of engines) for (const ref of [image, second, inRegistry(image), inRegistry(second)]) await e.docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    };
    const time = async (work: () => Promise<unknown>) => {
      const started = process.hrtime.bigint();
      await work();
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    const saveLoad = (ref: string) => Promise.all(engines.map((e) => run('sh', ['-c', `docker save ${ref} | docker -H unix://${e.socket} load >/dev/null`])));
    const pushPull = async (ref: string) => {
      await run('sh', ['-c', `docker tag ${ref} ${inRegistry(ref)} && docker push -q ${inRegistry(ref)} >/dev/null`]);
      await Promise.all(engines.map((e) => run('docker', ['-H', `unix://${e.socket}`, 'pull', '-q', inRegistry(ref)])));
    };
    const sizeOf = async (ref: string) => Number((await run('docker', ['image', 'inspect', '--format', '{{.Size}}', ref])).stdout.trim()) / 1e6;
    // Each way from empty engines (and an empty registry for the first push): version 1, then version 2 on top of it.
    await clear();
    const saveV1 = await time(() => saveLoad(image));
    const saveV2 = await time(() => saveLoad(second));
    await clear();
    const pushV1 = await time(() => pushPull(image));
    const pushV2 = await time(() => pushPull(second));
    await clear();
    return `Engine to engine beside a registry (Debian's docker-registry on loopback), both to 2 engines, same run\n${table(
      ['version', 'save → load (s)', 'push → pull (s)', 'note'],
      [
        [`1 (${(await sizeOf(image)).toFixed(0)} MB, nothing there)`, saveV1.toFixed(2), pushV1.toFixed(2), 'what the platform does: one save streamed into both loads'],
        [`2 (1 MB on top of 1, which they have)`, saveV2.toFixed(2), pushV2.toFixed(2), 'a save streams every layer again; a registry only the new one'],
      ],
    )}`;
  } finally {
    registry?.kill();
    spawnSync('docker', ['image', 'rm', '-f', second, `127.0.0.1:${port}/${image.replace(/^[^/]*\//, '')}`, `127.0.0.1:${port}/${second.replace(/^[^/]*\//, '')}`], { stdio: 'ignore' });
    await rm(dir, { recursive: true, force: true });
  }
}
