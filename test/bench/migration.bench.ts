/**
 * Cold migration of a docker member with a volume of BENCH_MIGRATION_MB (50) MB to a second
 * engine (a dockerd of the bench's own) and back, three times: the downtime the platform reports
 * (leaving the trees → Active on the target), beside the same moves by hand from the same run —
 * `docker stop`, the volume streamed as a tar between the engines, `docker run -d` on the other —
 * which ends when the container is started, not when anything in it is ready: the floor.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { AGENT_IMAGE } from '../support/docker';
import { startOwnEngine, type OwnEngine } from '../support/second-engine';
import { startBenchPlatform } from './bench-platform';
import { median, table } from './stats';

const run = promisify(execFile);
const MB = Number(process.env.BENCH_MIGRATION_MB ?? 50);
const MOVES = 3;

export async function benchMigration(): Promise<string> {
  if (spawnSync('docker', ['image', 'inspect', AGENT_IMAGE], { stdio: 'ignore' }).status !== 0 || process.getuid?.() !== 0) return 'Cold migration: skipped (needs a Docker engine with the agent image, and root, for a dockerd of its own)';
  let engine: OwnEngine | undefined;
  try {
    engine = await startOwnEngine([AGENT_IMAGE], { pool: '10.215.0.0/16' });
    const hosts = ['', `-H unix://${engine.socket}`];

    // By hand: a container with its volume, moved back and forth.
    const tag = `stratos-bench-move-${process.pid}`;
    await run('sh', ['-c', `docker run -d --init --network none --name ${tag} -v ${tag}:/v --entrypoint /bin/sh ${AGENT_IMAGE} -c 'head -c ${MB * 1_000_000} /dev/urandom > /v/seed; exec sleep 3600' >/dev/null`]);
    await run('sh', ['-c', `until docker exec ${tag} sh -c '[ $(wc -c < /v/seed) -eq ${MB * 1_000_000} ]' 2>/dev/null; do sleep 0.2; done`]);
    const raw: number[] = [];
    for (let move = 0; move < MOVES; move++) {
      const [from, to] = move % 2 === 0 ? hosts : [hosts[1], hosts[0]];
      const started = process.hrtime.bigint();
      await run('sh', [
        '-c',
        `set -e; docker ${from} stop -t 10 ${tag} >/dev/null; docker ${from} rm ${tag} >/dev/null
         docker ${from} run --rm --network none -v ${tag}:/v --entrypoint /bin/busybox ${AGENT_IMAGE} tar -C /v -cf - . | docker ${to} run -i --rm --network none -v ${tag}:/v --entrypoint /bin/busybox ${AGENT_IMAGE} tar -C /v -xf -
         docker ${to} run -d --init --network none --name ${tag} -v ${tag}:/v --entrypoint /bin/sh ${AGENT_IMAGE} -c 'exec sleep 3600' >/dev/null
         docker ${from} volume rm ${tag} >/dev/null`,
      ]);
      raw.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    for (const host of hosts) spawnSync('sh', ['-c', `docker ${host} rm -f ${tag}; docker ${host} volume rm ${tag}`], { stdio: 'ignore' });

    const platform = await startBenchPlatform({ docker: 'on', regions: [{ driver: 'docker', region: 'eu', endpoint: `unix://${engine.socket}` }] });
    try {
      await platform.call('POST', '/networkPartitions', aNetworkPartition({ id: 'np-bench', provider: 'docker', partitions: [{ id: 'home' }, { id: 'eu-a', property: [{ name: 'region', value: 'eu' }] }] }), 201);
      await platform.call('POST', '/autoscalingPolicies', anAutoscalingPolicy(), 201);
      await platform.call('POST', '/deploymentPolicies', aDeploymentPolicy({ id: 'dp-bench', networkPartitions: [{ id: 'np-bench', partitionAlgo: 'one-after-another', partitions: [{ id: 'home', partitionMax: 1 }, { id: 'eu-a', partitionMax: 1 }] }] }), 201);
      await platform.call('POST', '/applicationPolicies', anApplicationPolicy({ id: 'ap-bench', networkPartitions: ['np-bench'] }), 201);
      const start = `[ -f /data/seed ] || { head -c ${MB * 1_000_000} /dev/urandom > /data/seed.part && mv /data/seed.part /data/seed; }; exec sleep 3600`;
      await platform.call('POST', '/cartridges', aCartridge({ type: 'bench-vault', portMapping: [], iaasProvider: [{ type: 'docker', imageId: AGENT_IMAGE }], persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data' }] }, property: [{ name: 'payload_parameter.START_COMMAND', value: start }] }), 201);
      await platform.call('POST', '/applications', anApplication({ applicationId: 'bench-vault', components: { cartridges: [aSubscription('bench-vault', 'vault', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'vault', deploymentPolicy: 'dp-bench' } })] } }), 201);
      await platform.call('POST', '/applications/bench-vault/deploy/ap-bench', undefined, 202);
      let memberId = '';
      for (;;) {
        const runtime = await platform.call('GET', '/applications/bench-vault/runtime');
        if (runtime.status === 'Active') {
          memberId = runtime.clusters[0].members[0].memberId;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      // The seed is whole once its file has its name (written beside, then renamed).
      await run('sh', ['-c', `until docker exec stratos-${memberId} /bin/sh -c 'test -f /data/seed' 2>/dev/null; do sleep 0.2; done`]);
      const down: number[] = [];
      const took: number[] = [];
      for (let move = 0; move < MOVES; move++) {
        const started = process.hrtime.bigint();
        const { migrationId } = await platform.call('POST', `/members/${memberId}/migrate`, { to: move % 2 === 0 ? 'eu-a' : 'home' }, 202);
        for (;;) {
          const migration = await platform.call('GET', `/migrations/${migrationId}`);
          if (migration.phase === 'Failed') throw new Error(`migration ${move} failed: ${migration.reason}`);
          if (migration.phase === 'Done') {
            down.push(migration.downtimeMs);
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        took.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      const s = (ms: number) => (ms / 1000).toFixed(2);
      return `Cold migration: a docker member with a ${MB} MB volume moved between two engines (the second a dockerd of the bench's own), ${MOVES} moves, same run\n${table(
        ['move', 'down s (median)', 'whole s (median)', 'note'],
        [
          ['stratos member migrate', s(median(down)), s(median(took)), `${(median(down) / median(raw)).toFixed(2)}× the move by hand; down: out of the trees → Active on the target (agent connected, workload started)`],
          ['by hand: docker stop, tar | tar, docker run -d (--init, as the platform)', s(median(raw)), s(median(raw)), 'the floor: ends when the container is started'],
        ],
      )}`;
    } finally {
      await platform.stop();
    }
  } finally {
    await engine?.stop();
  }
}
