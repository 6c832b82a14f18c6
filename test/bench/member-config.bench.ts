/**
 * Inside the members (local driver, aedes), each figure beside a floor from the same run:
 * - a metadata change (one property posted through the metadata API) → every one of 50 members
 *   re-rendered its template and ran its reload_cmd: per-member latency, beside raw MQTT
 *   fan-out to 50 subscribers that each run the same reload command;
 * - time to Active of the same cartridge as a generic image (its provisioning step copies
 *   /usr/share/java into the member) and as a fully configured one (IMAGE_KIND=configured);
 * - the agent's memory (PSS, /proc/PID/smaps_rollup) beside a bare Node.js process's.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { packBundle, type BundleEntry } from '../../libs/contracts/src';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { percentile, table } from './stats';

const file = (path: string, text: string, mode = 0o644): BundleEntry => ({ path, kind: 'file', mode, content: Buffer.from(text) });
const nowNs = () => process.hrtime.bigint();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function putBundle(platform: BenchPlatform, type: string, entries: BundleEntry[]): Promise<void> {
  const response = await fetch(`${platform.url}/api/cartridges/${type}/bundle`, { method: 'PUT', headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/gzip' }, body: packBundle(entries) });
  if (response.status !== 200) throw new Error(`bundle of ${type}: ${response.status} ${await response.text()}`);
}

async function deployAndWait(platform: BenchPlatform, app: string, type: string, n: number): Promise<{ seconds: number; members: { memberId: string; instanceId: string }[] }> {
  await platform.call('POST', '/applications', { applicationId: app, components: { cartridges: [{ type, cartridgeMin: n, cartridgeMax: n, subscribableInfo: { alias: `${app}-c`, autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);
  const started = nowNs();
  await platform.call('POST', `/applications/${app}/deploy/ap`, undefined, 202);
  for (;;) {
    const runtime = await platform.call('GET', `/applications/${app}/runtime`);
    if (runtime.status === 'Active') return { seconds: Number(nowNs() - started) / 1e9, members: runtime.clusters[0].members };
    await sleep(20);
  }
}

async function undeploy(platform: BenchPlatform, app: string): Promise<void> {
  await platform.call('POST', `/applications/${app}/undeploy?force=true`, undefined, 202);
  while ((await fetch(`${platform.url}/api/applications/${app}/runtime`, { headers: { authorization: `Bearer ${platform.token}` } })).status !== 404) await sleep(50);
  await platform.call('DELETE', `/applications/${app}`);
}

/** Reload times (ns since epoch) each member wrote, by member. */
function reloadsOf(platform: BenchPlatform, memberId: string): bigint[] {
  const path = join(platform.home, 'members', memberId, 'root', 'reloads');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => BigInt(l)) : [];
}

async function metadataToReload(platform: BenchPlatform, n: number, rounds: number): Promise<{ latencies: number[]; allMs: number[] }> {
  const { members } = await deployAndWait(platform, 'md', 'conf', n);
  const latencies: number[] = [];
  const allMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const before = new Map(members.map((m) => [m.memberId, reloadsOf(platform, m.memberId).length]));
    const posted = BigInt(Date.now()) * 1_000_000n;
    await platform.call('POST', '/metadata/applications/md/properties', { key: 'NOTE', values: [`round-${round}`] }, 201);
    const deadline = Date.now() + 60_000;
    let done: bigint[] = [];
    while (Date.now() < deadline) {
      done = members.flatMap((m) => reloadsOf(platform, m.memberId).slice(before.get(m.memberId)!));
      if (done.length >= members.length) break;
      await sleep(10);
    }
    if (done.length < members.length) throw new Error(`round ${round}: ${done.length} of ${members.length} members reloaded within 60 s`);
    for (const at of done) latencies.push(Number(at - posted) / 1e6);
    allMs.push(Math.max(...done.map((at) => Number(at - posted) / 1e6)));
  }
  await undeploy(platform, 'md');
  return { latencies: latencies.sort((a, b) => a - b), allMs };
}

/**
 * The floor: n separate subscriber processes (as many as members, on the same broker), each
 * running the same reload command when one message reaches it: no PostgreSQL, metadata API,
 * template or debounce.
 */
async function rawFanOut(platform: BenchPlatform, home: string, n: number, rounds: number): Promise<number[]> {
  const script = `
    const mqtt = require(${JSON.stringify(join(process.cwd(), 'node_modules', 'mqtt'))});
    const { spawn } = require('node:child_process');
    const client = mqtt.connect(process.env.URL, { clientId: 'raw-' + process.env.I });
    client.on('connect', () => client.subscribe('bench/fan/+', { qos: 1 }, () => process.send('ready')));
    client.on('message', () => spawn('/bin/sh', ['-c', 'date +%s%N >> "' + process.env.OUT + '"'], { stdio: 'ignore' }));
  `;
  const outs = Array.from({ length: n }, (_, i) => join(home, `raw-${i}.reloads`));
  const children = outs.map((out, i) => spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, URL: platform.mqttUrl, I: String(i), OUT: out } }));
  try {
    await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
    const publisher = await mqtt.connectAsync(platform.mqttUrl, { clientId: 'raw-publisher' });
    const latencies: number[] = [];
    const linesOf = (out: string) => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => BigInt(l)) : []);
    for (let round = 0; round < rounds; round++) {
      const before = outs.map((o) => linesOf(o).length);
      const posted = BigInt(Date.now()) * 1_000_000n;
      await publisher.publishAsync(`bench/fan/${round}`, JSON.stringify({ '/env/NOTE': `round-${round}` }), { qos: 1 });
      let done: bigint[] = [];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(10)) {
        done = outs.flatMap((o, i) => linesOf(o).slice(before[i]));
        if (done.length >= n) break;
      }
      latencies.push(...done.map((at) => Number(at - posted) / 1e6));
    }
    await publisher.endAsync(true);
    return latencies.sort((a, b) => a - b);
  } finally {
    for (const child of children) child.kill();
  }
}

/** PSS in KiB of a process (its smaps_rollup), or NaN. */
function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** The agent's node process of a member: the instance itself, or its child under bubblewrap. */
function agentPid(instanceId: string, memberId: string): number {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0].endsWith('node') && cmdline.includes(`--member=${memberId}`)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return Number(instanceId);
}

async function barePss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(1000);
  const pss = pssKiB(child.pid!);
  child.kill();
  return pss;
}

export async function benchMemberConfig(n = 50, rounds = 5): Promise<string> {
  const platform = await startBenchPlatform();
  try {
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 1000 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    const cartridge = (type: string, property: { name: string; value: string }[] = []) =>
      platform.call('POST', '/cartridges', { type, provider: 'bench', category: 'framework', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }], property }, 201);

    await cartridge('conf', [{ name: 'payload_parameter.CONFD_DEBOUNCE_MS', value: '20' }]);
    await putBundle(platform, 'conf', [
      file('confd/conf.d/app.toml', '[template]\nsrc = "app.tmpl"\ndest = "/opt/app/app.conf"\nkeys = ["/env"]\nreload_cmd = "date +%s%N >> \\"${STRATOS_ROOT%/}/reloads\\""\n'),
      file('confd/templates/app.tmpl', '{{if exists "/env/NOTE"}}note={{getv "/env/NOTE"}}{{end}}\n'),
    ]);
    const platformFigures = await metadataToReload(platform, n, rounds);
    const raw = await rawFanOut(platform, platform.home, n, rounds);

    const install = file('provision/10-install.sh', '#!/bin/sh\nmkdir -p "${STRATOS_ROOT%/}/opt/java" && cp -r /usr/share/java/. "${STRATOS_ROOT%/}/opt/java/"\n', 0o755);
    await cartridge('gen');
    await putBundle(platform, 'gen', [install]);
    await cartridge('baked', [{ name: 'payload_parameter.IMAGE_KIND', value: 'configured' }]);
    await putBundle(platform, 'baked', [install]);
    const generic = await deployAndWait(platform, 'g', 'gen', 5);
    await undeploy(platform, 'g');
    const baked = await deployAndWait(platform, 'b', 'baked', 5);
    const pss = baked.members.map((m) => pssKiB(agentPid(m.instanceId, m.memberId))).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    await undeploy(platform, 'b');
    const bare = await barePss();

    const ms = (x: number) => x.toFixed(0);
    return [
      `Metadata change → re-rendered and reloaded, ${n} members (local, aedes), ${rounds} rounds, beside ${n} raw subscriber processes on the same broker running the same command`,
      table(
        ['', 'p50 ms', 'p99 ms', 'all members, median ms'],
        [
          ['platform: POST property → reload_cmd ran', ms(percentile(platformFigures.latencies, 50)), ms(percentile(platformFigures.latencies, 99)), ms(percentile([...platformFigures.allMs].sort((a, b) => a - b), 50))],
          ['raw: publish → each subscriber ran the command', ms(percentile(raw, 50)), ms(percentile(raw, 99)), ''],
        ],
      ),
      '',
      'Time to Active, 5 members of the same cartridge (its provisioning step copies /usr/share/java, 47 MB)',
      table(['image', 'deploy → all Active s'], [['generic (provisioned at boot)', generic.seconds.toFixed(2)], ['fully configured (IMAGE_KIND=configured)', baked.seconds.toFixed(2)]]),
      '',
      'Agent memory (PSS from /proc/PID/smaps_rollup), beside a bare Node.js process from the same run',
      table(['', 'PSS MiB (median)'], [['cartridge agent, Active member', (percentile(pss, 50) / 1024).toFixed(1)], ['bare node -e "setInterval(…)"', (bare / 1024).toFixed(1)]]),
    ].join('\n');
  } finally {
    await platform.stop();
  }
}
