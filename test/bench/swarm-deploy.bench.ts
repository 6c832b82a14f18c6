/**
 * Deploying N members on the swarm driver (POST deploy → all Active), beside `docker service
 * create --replicas N` of the same agent on the same swarm, in the same run: a two-node swarm of
 * the bench's own (test/support/swarm.ts, as the swarm driver's tests make it; root only). Each
 * is timed until every agent reports itself active over MQTT. Members serve no ports, so that the
 * raw service's N replicas need no port each.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { AgentTopics, LaunchKey, Topics, type AgentEvent, type TopologyEvent } from '../../libs/contracts/src';
import { startOwnSwarm, type OwnSwarm } from '../support/swarm';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { table } from './stats';

const IMAGE = 'stratos/cartridge-agent:latest';

/** Seconds from start() until n agents whose member ids begin with `prefix` said InstanceActivated. */
async function untilActive(mqttUrl: string, prefix: string, n: number, start: () => Promise<void>): Promise<number> {
  const watcher = await mqtt.connectAsync(mqttUrl);
  await watcher.subscribeAsync(AgentTopics.allEvents, { qos: 1 });
  const active = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    watcher.on('message', (_t, payload) => {
      const event = JSON.parse(payload.toString()) as AgentEvent;
      if (event.type === 'InstanceActivated' && event.memberId.startsWith(prefix)) active.add(event.memberId);
      if (active.size >= n) resolve();
    });
    // A bench that hangs says nothing: give up, saying how far it got.
    timer = setTimeout(() => reject(new Error(`${prefix}: ${active.size} of ${n} agents active after 300 s`)), 300_000);
  }).finally(() => clearTimeout(timer));
  const started = process.hrtime.bigint();
  await start();
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await watcher.endAsync();
  return seconds;
}

async function rawService(platform: BenchPlatform, swarm: OwnSwarm, n: number): Promise<number> {
  const prefix = `swraw-${randomBytes(3).toString('hex')}-`;
  const docker = swarm.manager.docker;
  const image = ((await docker.getImage(IMAGE).inspect()) as { Id: string }).Id;
  // The broker as the nodes reach it: the platform's own credentials (a baseline has no member identities).
  const url = new URL(platform.mqttUrl);
  url.hostname = swarm.hostAddress;
  const [username, password] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
  url.username = url.password = '';
  const env = [`${LaunchKey.applicationId}=raw`, `${LaunchKey.serviceName}=raw`, `${LaunchKey.clusterId}=raw.c`, `${LaunchKey.memberId}=${prefix}{{.Task.Slot}}`, `${LaunchKey.mbUrls}=${url.toString()}`, `${LaunchKey.mbUsername}=${username}`, `${LaunchKey.mbPassword}=${password}`, `${LaunchKey.portMappings}=[]`];
  let id = '';
  try {
    return await untilActive(platform.mqttUrl, prefix, n, async () => {
      const service = await docker.createService({ Name: prefix.slice(0, -1), TaskTemplate: { ContainerSpec: { Image: image, Env: env, Init: true }, RestartPolicy: { Condition: 'none' } }, Mode: { Replicated: { Replicas: n } }, EndpointSpec: { Mode: 'dnsrr' } } as never);
      id = (service as unknown as { id: string }).id;
    });
  } finally {
    if (id) await docker.getService(id).remove().catch(() => undefined);
  }
}

async function platformDeploy(platform: BenchPlatform, n: number): Promise<number> {
  const app = `swbench-${n}`;
  await platform.call('POST', '/applications', { applicationId: app, components: { cartridges: [{ type: 'swbench', cartridgeMin: n, cartridgeMax: n, subscribableInfo: { alias: `${app}-c`, autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);
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

export async function benchSwarmDeploy(sizes: number[]): Promise<string> {
  if (process.getuid?.() !== 0) return 'Swarm deploy: skipped (the bench makes a swarm of network namespaces: root only)';
  let swarm: OwnSwarm;
  try {
    swarm = await startOwnSwarm([IMAGE]);
  } catch (error) {
    return `Swarm deploy: skipped (${(error as Error).message.split('\n')[0]})`;
  }
  const platform = await startBenchPlatform({ swarm: { endpoint: swarm.endpoint, platformHost: swarm.hostAddress } });
  try {
    await platform.call('POST', '/cartridges', { type: 'swbench', provider: 'bench', category: 'framework', iaasProvider: [{ type: 'swarm', imageId: IMAGE }] }, 201);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'swarm', partitions: [{ id: 'a', property: [{ name: 'zone', value: 'a' }] }, { id: 'b', property: [{ name: 'zone', value: 'b' }] }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitionAlgo: 'round-robin', partitions: [{ id: 'a', partitionMax: 1000 }, { id: 'b', partitionMax: 1000 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    const rows: string[][] = [];
    for (const n of sizes) {
      const raw = await rawService(platform, swarm, n);
      const ours = await platformDeploy(platform, n);
      rows.push([`${n} members (swarm, 2 nodes)`, ours.toFixed(2), raw.toFixed(2), `${(ours / raw).toFixed(2)}×`]);
    }
    return `Deploy → all Active on the swarm driver (aedes; a two-node swarm of network namespaces on this machine), beside docker service create --replicas N of the same agent on the same swarm\n${table(['deploy', 'platform s', 'service create s', 'ratio'], rows)}`;
  } finally {
    await platform.stop();
    await swarm.stop();
  }
}
