/**
 * Deploying N members (local driver): POST deploy → all Active, beside the same N cartridge
 * agents started by a raw process spawn (each until it reports itself active over MQTT), in
 * the same run; created → Active per member; kill → Lost and kill → replacement Active.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../libs/runtime/src';
import mqtt from 'mqtt';
import { AgentTopics, LaunchKey, memberBrokerPassword, memberBrokerUser, Topics, type AgentEvent, type TopologyEvent } from '../../libs/contracts/src';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { percentile, table } from './stats';
import { DEFAULT_RECONCILE_INTERVAL_MS } from '../../apps/cloud-controller/src/config';

/** The floor: N agents spawned directly, each with its own port, timed until all report active. */
async function rawSpawn(platform: BenchPlatform, n: number): Promise<number> {
  const watcher = await mqtt.connectAsync(platform.mqttUrl);
  await watcher.subscribeAsync(AgentTopics.allEvents, { qos: 1 });
  const ids = Array.from({ length: n }, (_, i) => `raw-${i}-${randomBytes(3).toString('hex')}`);
  const active = new Set<string>();
  const done = new Promise<void>((resolve) =>
    watcher.on('message', (_t, payload) => {
      const event = JSON.parse(payload.toString()) as AgentEvent;
      if (event.type === 'InstanceActivated' && ids.includes(event.memberId)) active.add(event.memberId);
      if (active.size === n) resolve();
    }),
  );
  const brokerUrl = new URL(platform.mqttUrl);
  brokerUrl.username = '';
  brokerUrl.password = '';
  const ports = await Promise.all(ids.map(() => freePort()));
  const started = process.hrtime.bigint();
  const children: ChildProcess[] = ids.map((id, i) =>
    spawn(process.execPath, [platform.agentEntry, `--member=${id}`], {
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        [LaunchKey.applicationId]: 'raw',
        [LaunchKey.serviceName]: 'raw',
        [LaunchKey.clusterId]: 'raw.c',
        [LaunchKey.memberId]: id,
        [LaunchKey.mbUrls]: brokerUrl.toString(),
        [LaunchKey.mbUsername]: memberBrokerUser({ memberId: id, clusterId: 'raw.c' }),
        [LaunchKey.mbPassword]: memberBrokerPassword(platform.memberSecret, { memberId: id, clusterId: 'raw.c' }),
        [LaunchKey.portMappings]: JSON.stringify([{ name: 'http', protocol: 'http', port: 8080, hostPort: ports[i] }]),
      },
    }),
  );
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGTERM')))));
  await watcher.endAsync();
  return seconds;
}

async function platformDeploy(platform: BenchPlatform, n: number, withKill: boolean) {
  const app = `bench-${n}`;
  await platform.call('POST', '/applications', {
    applicationId: app,
    components: { cartridges: [{ type: 'bench', cartridgeMin: n, cartridgeMax: n, subscribableInfo: { alias: `${app}-web`, autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] },
  }, 201);
  const watcher = await mqtt.connectAsync(platform.mqttUrl);
  const events: TopologyEvent[] = [];
  await watcher.subscribeAsync(Topics.topology.all, { qos: 1 });
  watcher.on('message', (_t, payload) => events.push(JSON.parse(payload.toString()) as TopologyEvent));
  const waitFor = async (predicate: (e: TopologyEvent) => boolean) => {
    while (!events.some(predicate)) await new Promise((r) => setTimeout(r, 5));
    return events.find(predicate)!;
  };
  const started = process.hrtime.bigint();
  await platform.call('POST', `/applications/${app}/deploy/ap`, undefined, 202);
  await waitFor((e) => e.type === 'ApplicationStatusChanged' && (e.payload as { applicationId: string; to: string }).applicationId === app && (e.payload as { to: string }).to === 'Active');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const createdAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const e of events) {
    const p = e.payload as { member?: { memberId: string; status: string } };
    if (e.type === 'MemberCreated' && p.member) createdAt.set(p.member.memberId, Date.parse(e.timestamp));
    if (e.type === 'MemberStatusChanged' && p.member?.status === 'Active') latencies.push(Date.parse(e.timestamp) - createdAt.get(p.member.memberId)!);
  }
  latencies.sort((a, b) => a - b);
  let killToLost = NaN;
  let killToReplacement = NaN;
  if (withKill) {
    const runtime = await platform.call('GET', `/applications/${app}/runtime`);
    const victim = runtime.clusters[0].members[0];
    const killedAt = Date.now();
    process.kill(Number(victim.instanceId), 'SIGKILL');
    const lost = await waitFor((e) => e.type === 'MemberStatusChanged' && (e.payload as { member: { memberId: string; status: string } }).member?.memberId === victim.memberId && (e.payload as { member: { status: string } }).member.status === 'Lost');
    killToLost = Date.parse(lost.timestamp) - killedAt;
    const replaced = await waitFor((e) => e.type === 'MemberCreated' && e.revision > lost.revision);
    const replacementId = (replaced.payload as { member: { memberId: string } }).member.memberId;
    const active = await waitFor((e) => e.type === 'MemberStatusChanged' && (e.payload as { member: { memberId: string; status: string } }).member?.memberId === replacementId && (e.payload as { member: { status: string } }).member.status === 'Active');
    killToReplacement = Date.parse(active.timestamp) - killedAt;
  }
  await platform.call('POST', `/applications/${app}/undeploy?force=true`, undefined, 202);
  await waitFor((e) => e.type === 'ApplicationStatusChanged' && (e.payload as { applicationId: string; to: string }).applicationId === app && (e.payload as { to: string }).to === 'Terminated');
  await watcher.endAsync();
  await platform.call('DELETE', `/applications/${app}`);
  return { seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), killToLost, killToReplacement };
}

export async function benchDeploy(sizes: number[]): Promise<string> {
  const platform = await startBenchPlatform({ reconcileIntervalMs: DEFAULT_RECONCILE_INTERVAL_MS }); // production's resync: heals come from events
  try {
    await platform.call('POST', '/cartridges', { type: 'bench', provider: 'bench', category: 'framework', portMapping: [{ name: 'http', protocol: 'http', port: 8080 }], iaasProvider: [{ type: 'mock', imageId: 'any' }] }, 201);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 1000 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    const rows: string[][] = [];
    for (const n of sizes) {
      const raw = await rawSpawn(platform, n);
      const p = await platformDeploy(platform, n, n === sizes[0]);
      rows.push([
        `${n} members (local)`,
        p.seconds.toFixed(2),
        raw.toFixed(2),
        `${(p.seconds / raw).toFixed(2)}×`,
        p.p50.toFixed(0),
        p.p99.toFixed(0),
        Number.isNaN(p.killToLost) ? '' : p.killToLost.toFixed(0),
        Number.isNaN(p.killToReplacement) ? '' : p.killToReplacement.toFixed(0),
      ]);
    }
    return `Deploy → all Active (local driver, aedes), beside raw spawn of the same agents\n${table(['deploy', 'platform s', 'raw spawn s', 'ratio', 'created→Active p50 ms', 'p99 ms', 'kill→Lost ms', 'kill→replacement Active ms'], rows)}`;
  } finally {
    await platform.stop();
  }
}
