/**
 * Distributing an image artifact: a 100 MB image (busybox and 100 MB of noise, so that no engine
 * has any of it) copied by the platform from the default engine to two regions (two dockerd of
 * the bench's own, on this machine), beside a raw `docker save | docker -H … load` to the same two
 * engines at once, from the same run.
 */
import { execFile, spawnSync } from 'node:child_process';
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
      return `Artifact distribution: one ${(size / 1e6).toFixed(0)} MB image to 2 regions (two dockerd of the bench's own), same run\n${table(
        ['copy', 's', 'MB/s (both regions)', 'note'],
        [
          ['stratos artifact distribute', platformS.toFixed(2), rate(platformS), `${(platformS / raw).toFixed(2)}× the raw copy; checked on arrival (image id)`],
          ['raw docker save | docker load (both at once)', raw.toFixed(2), rate(raw), 'the floor'],
        ],
      )}`;
    } finally {
      await platform.stop();
    }
  } finally {
    for (const e of engines) await e.stop();
    spawnSync('docker', ['image', 'rm', '-f', image], { stdio: 'ignore' });
  }
}
