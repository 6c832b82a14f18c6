/**
 * Deploying N members as Docker containers: POST deploy → all Active, beside the same N
 * agent containers started by a raw parallel `docker run`, and by `docker service create
 * --replicas N` on Swarm, in the same run; each timed until every agent reports itself
 * active over MQTT. The agents serve no ports here, so that N replicas of one Swarm service
 * can share the host network.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { AgentTopics, LaunchKey, Topics, type AgentEvent, type TopologyEvent } from '../../libs/contracts/src';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { table } from './stats';

const run = promisify(execFile);
const IMAGE = 'stratos/cartridge-agent:latest';

async function untilActive(platform: BenchPlatform, prefix: string, n: number, start: () => Promise<void>): Promise<number> {
  const watcher = await mqtt.connectAsync(platform.mqttUrl);
  await watcher.subscribeAsync(AgentTopics.allEvents, { qos: 1 });
  const active = new Set<string>();
  const done = new Promise<void>((resolve) =>
    watcher.on('message', (_t, payload) => {
      const event = JSON.parse(payload.toString()) as AgentEvent;
      if (event.type === 'InstanceActivated' && event.memberId.startsWith(prefix)) active.add(event.memberId);
      if (active.size >= n) resolve();
    }),
  );
  const started = process.hrtime.bigint();
  await start();
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await watcher.endAsync();
  return seconds;
}

function agentEnv(platform: BenchPlatform, memberId: string): string[] {
  return [
    `${LaunchKey.applicationId}=raw`,
    `${LaunchKey.serviceName}=raw`,
    `${LaunchKey.clusterId}=raw.c`,
    `${LaunchKey.memberId}=${memberId}`,
    `${LaunchKey.mbUrls}=${platform.mqttUrl}`,
    `${LaunchKey.portMappings}=[]`,
  ];
}

async function rawDockerRun(platform: BenchPlatform, n: number): Promise<number> {
  const prefix = `raw-${randomBytes(3).toString('hex')}-`;
  const names: string[] = [];
  const seconds = await untilActive(platform, prefix, n, async () => {
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const name = `${prefix}${i}`;
        names.push(name);
        await run('docker', ['run', '-d', '--init', '--network', 'host', '--name', name, ...agentEnv(platform, name).flatMap((e) => ['-e', e]), IMAGE]);
      }),
    );
  });
  await run('docker', ['rm', '-f', ...names]);
  return seconds;
}

async function swarmService(platform: BenchPlatform, n: number): Promise<number | null> {
  const state = (await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
  let joined = false;
  if (state !== 'active') {
    try {
      await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
      joined = true;
    } catch {
      return null;
    }
  }
  const prefix = `swarm-${randomBytes(3).toString('hex')}-`;
  const service = prefix.slice(0, -1);
  try {
    const env = agentEnv(platform, `${prefix}{{.Task.Slot}}`);
    return await untilActive(platform, prefix, n, async () => {
      await run('docker', ['service', 'create', '--detach', '--name', service, '--replicas', String(n), '--network', 'host', '--endpoint-mode', 'dnsrr', '--restart-condition', 'none', ...env.flatMap((e) => ['-e', e]), IMAGE]);
    });
  } finally {
    await run('docker', ['service', 'rm', service]).catch(() => undefined);
    if (joined) await run('docker', ['swarm', 'leave', '--force']).catch(() => undefined);
  }
}

async function platformDeploy(platform: BenchPlatform, n: number): Promise<number> {
  const app = `dbench-${n}`;
  await platform.call('POST', '/applications', { applicationId: app, components: { cartridges: [{ type: 'dbench', cartridgeMin: n, cartridgeMax: n, subscribableInfo: { alias: `${app}-c`, autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);
  const watcher = await mqtt.connectAsync(platform.mqttUrl);
  const events: TopologyEvent[] = [];
  await watcher.subscribeAsync(Topics.topology.all, { qos: 1 });
  watcher.on('message', (_t, payload) => events.push(JSON.parse(payload.toString()) as TopologyEvent));
  const waitFor = async (to: string) => {
    while (!events.some((e) => e.type === 'ApplicationStatusChanged' && (e.payload as { applicationId: string }).applicationId === app && (e.payload as { to: string }).to === to)) await new Promise((r) => setTimeout(r, 10));
  };
  const started = process.hrtime.bigint();
  await platform.call('POST', `/applications/${app}/deploy/ap`, undefined, 202);
  await waitFor('Active');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await platform.call('POST', `/applications/${app}/undeploy?force=true`, undefined, 202);
  await waitFor('Terminated');
  await watcher.endAsync();
  await platform.call('DELETE', `/applications/${app}`);
  return seconds;
}

export async function benchDockerDeploy(sizes: number[]): Promise<string> {
  try {
    await run('docker', ['image', 'inspect', IMAGE]);
  } catch {
    return `Docker deploy: skipped (no Docker engine, or no ${IMAGE}: npm run images)`;
  }
  const platform = await startBenchPlatform({ docker: 'on' });
  try {
    await platform.call('POST', '/cartridges', { type: 'dbench', provider: 'bench', category: 'framework', iaasProvider: [{ type: 'docker', imageId: IMAGE }] }, 201);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'docker', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 1000 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    const rows: string[][] = [];
    for (const n of sizes) {
      const raw = await rawDockerRun(platform, n);
      const swarm = await swarmService(platform, n);
      const ours = await platformDeploy(platform, n);
      rows.push([`${n} members (docker)`, ours.toFixed(2), raw.toFixed(2), `${(ours / raw).toFixed(2)}×`, swarm === null ? 'n/a' : swarm.toFixed(2), swarm === null ? '' : `${(ours / swarm).toFixed(2)}×`]);
    }
    return `Deploy → all Active (docker driver, aedes), beside raw parallel docker run and Swarm (service create --replicas N)\n${table(['deploy', 'platform s', 'docker run s', 'ratio', 'swarm s', 'ratio'], rows)}`;
  } finally {
    await platform.stop();
  }
}
