/**
 * Sign-ups (local driver, aedes): from POST /signup to the sign-up Active on a 10-member
 * multi-tenant cluster (every member cloned the tenant's repository and confirmed), for one
 * tenant and for 100 tenants in a row (p50/p99), beside a raw `git clone` of the same
 * repositories into 10 folders at once, from the same git server in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Topics, type TopologyEvent } from '../../libs/contracts/src';
import { startGitServer } from '../support/git-server';
import { startBenchPlatform } from './bench-platform';
import { percentile, table } from './stats';

const MEMBERS = 10;

/** The floor: the same repository cloned into MEMBERS folders at once, as the members do. */
async function rawClones(url: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-clone-'));
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: MEMBERS }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const git = spawn('git', ['clone', '--quiet', '--', url, join(dir, String(i))], { stdio: 'ignore' });
        git.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git clone exited ${code}`))));
      }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await rm(dir, { recursive: true, force: true });
  return ms;
}

export async function benchSignUps(tenants = Number(process.env.BENCH_SIGNUPS ?? 100)): Promise<string> {
  const platform = await startBenchPlatform();
  const git = await startGitServer();
  const watcher = await mqtt.connectAsync(platform.mqttUrl);
  try {
    await platform.call('POST', '/cartridges', { type: 'mt', provider: 'bench', category: 'framework', multiTenant: true, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'any' }] }, 201);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'mock', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 100 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    await platform.call('POST', '/applications', { applicationId: 'mt-app', components: { cartridges: [{ type: 'mt', cartridgeMin: MEMBERS, cartridgeMax: MEMBERS, subscribableInfo: { alias: 'web', autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);
    const active = new Map<string, number>();
    let deployed = false;
    let terminated = false;
    await watcher.subscribeAsync(Topics.topology.all, { qos: 1 });
    watcher.on('message', (_t, payload) => {
      const event = JSON.parse(payload.toString()) as TopologyEvent;
      if (event.type === 'ApplicationSignUpActive') active.set((event.payload as { tenantDomain: string }).tenantDomain, Date.now());
      if (event.type === 'ApplicationStatusChanged' && (event.payload as { to: string }).to === 'Active') deployed = true;
      if (event.type === 'ApplicationStatusChanged' && (event.payload as { to: string }).to === 'Terminated') terminated = true;
    });
    await platform.call('POST', '/applications/mt-app/deploy/ap', undefined, 202);
    while (!deployed) await new Promise((r) => setTimeout(r, 20));

    const urls: string[] = [];
    for (let i = 0; i < tenants; i++) {
      await platform.call('POST', '/tenants', { tenantDomain: `t${i}.example`, admin: 'admin', adminPassword: 'bench-tenant-password', email: `ops@t${i}.example` }, 201);
      urls.push(git.createRepository(`t${i}.git`, { 'index.html': `tenant ${i}\n` }));
    }
    const signUp = async (i: number): Promise<number> => {
      const started = Date.now();
      await platform.call('POST', `/applications/mt-app/signup/t${i}.example`, { artifactRepositories: [{ alias: 'web', repoUrl: urls[i] }] }, 201);
      while (!active.has(`t${i}.example`)) await new Promise((r) => setTimeout(r, 2));
      return active.get(`t${i}.example`)! - started;
    };
    const first = await signUp(0);
    const firstRaw = await rawClones(urls[0]);
    const platformMs: number[] = [first];
    const rawMs: number[] = [firstRaw];
    for (let i = 1; i < tenants; i++) {
      platformMs.push(await signUp(i));
      rawMs.push(await rawClones(urls[i]));
    }
    // Nothing left running: members outlive a platform that stops, by design.
    await platform.call('POST', '/applications/mt-app/undeploy?force=true', undefined, 202);
    while (!terminated) await new Promise((r) => setTimeout(r, 20));
    platformMs.sort((a, b) => a - b);
    rawMs.sort((a, b) => a - b);
    const rows = [
      [`1 tenant, ${MEMBERS} members`, first.toFixed(0), '', firstRaw.toFixed(0), '', `${(first / firstRaw).toFixed(1)}×`],
      [`${tenants} tenants in a row, ${MEMBERS} members`, percentile(platformMs, 50).toFixed(0), percentile(platformMs, 99).toFixed(0), percentile(rawMs, 50).toFixed(0), percentile(rawMs, 99).toFixed(0), `${(percentile(platformMs, 50) / percentile(rawMs, 50)).toFixed(1)}×`],
    ];
    return `Sign-up → Active (every member cloned the tenant's repository and confirmed; local driver, aedes), beside ${MEMBERS} raw git clones at once\n${table(['sign-ups', 'platform p50 ms', 'p99 ms', 'raw clones p50 ms', 'p99 ms', 'ratio p50'], rows)}`;
  } finally {
    await watcher.endAsync();
    await platform.stop();
    await git.close();
  }
}
