/**
 * Generic vs baked, on docker, in one run: the same cartridge (Debian image; its provisioning
 * step copies /usr/share/java into the member, as an install would) deployed as a generic image
 * (provisioned at every boot), then baked from one of its members (`stratos image bake`) and
 * deployed again, its members starting from the baked image with provisioning skipped. Each
 * row: deploy → all N Active.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { packBundle } from '../../libs/contracts/src';
import { startBenchPlatform, type BenchPlatform } from './bench-platform';
import { table } from './stats';

const run = promisify(execFile);
const IMAGE = 'stratos/debian-cartridge:latest';
const BAKED = 'stratos-bench/baked:latest';

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function deployAndTime(platform: BenchPlatform): Promise<number> {
  const started = process.hrtime.bigint();
  await platform.call('POST', '/applications/bakery/deploy/ap', undefined, 202);
  await until('bakery Active', async () => (await platform.call('GET', '/applications/bakery/runtime')).status === 'Active');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function undeploy(platform: BenchPlatform): Promise<void> {
  await platform.call('POST', '/applications/bakery/undeploy?force=true', undefined, 202);
  await until('bakery gone', async () => {
    const response = await fetch(`${platform.url}/api/applications/bakery/runtime`, { headers: { authorization: `Bearer ${platform.token}` } });
    return response.status === 404;
  });
}

export async function benchBake(n = 3): Promise<string> {
  try {
    await run('docker', ['image', 'inspect', IMAGE]);
  } catch {
    return `Generic vs baked: skipped (no Docker engine, or no ${IMAGE}: npm run images)`;
  }
  const platform = await startBenchPlatform({ docker: 'on' });
  try {
    await platform.call('POST', '/cartridges', { type: 'bakebench', provider: 'bench', category: 'framework', iaasProvider: [{ type: 'docker', imageId: IMAGE }] }, 201);
    const bundle = packBundle([{ path: 'provision/10-install.sh', kind: 'file', mode: 0o755, content: Buffer.from('#!/bin/sh\nset -e\nmkdir -p /opt/app\ncp -a /usr/share/java /opt/app/lib\necho installed > /opt/app/installed\n') }]);
    const put = await fetch(`${platform.url}/api/cartridges/bakebench/bundle`, { method: 'PUT', headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/gzip' }, body: bundle });
    if (put.status !== 200) throw new Error(`bundle: ${put.status} ${await put.text()}`);
    await platform.call('POST', '/networkPartitions', { id: 'np', provider: 'docker', partitions: [{ id: 'p' }] }, 201);
    await platform.call('POST', '/autoscalingPolicies', { id: 'asp', loadThresholds: { loadAverage: { threshold: 80 } } }, 201);
    await platform.call('POST', '/deploymentPolicies', { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', partitionMax: 100 }] }] }, 201);
    await platform.call('POST', '/applicationPolicies', { id: 'ap', algorithm: 'one-after-another', networkPartitions: ['np'] }, 201);
    await platform.call('POST', '/applications', { applicationId: 'bakery', components: { cartridges: [{ type: 'bakebench', cartridgeMin: n, cartridgeMax: n, subscribableInfo: { alias: 'bake-1', autoscalingPolicy: 'asp', deploymentPolicy: 'dp' } }] } }, 201);

    const generic = await deployAndTime(platform);
    const [member] = (await platform.call('GET', '/applications/bakery/runtime')).clusters[0].members as { memberId: string }[];
    const bakeStarted = process.hrtime.bigint();
    const { operationId } = await platform.call('POST', '/images', { fromMember: member.memberId, tag: BAKED }, 202);
    const operation = await until('the bake', async () => {
      const op = await platform.call('GET', `/operations/${operationId}`);
      return op.status !== 'running' ? op : undefined;
    });
    if (operation.status !== 'succeeded') throw new Error(operation.message);
    const bakeSeconds = Number(process.hrtime.bigint() - bakeStarted) / 1e9;
    await undeploy(platform);
    const baked = await deployAndTime(platform);
    await undeploy(platform);
    const size = (await platform.call('GET', '/images'))[0].sizeBytes as number;
    return `Time to Active, generic vs baked (docker, ${IMAGE}; provisioning copies /usr/share/java), same run\n${table(
      ['image', `deploy → ${n} Active s`, 'note'],
      [
        ['generic (provisioned at boot)', generic.toFixed(2), ''],
        ['baked (stratos image bake)', baked.toFixed(2), `${(generic / baked).toFixed(2)}× faster; the bake took ${bakeSeconds.toFixed(1)} s, ${(size / 1e6).toFixed(0)} MB`],
      ],
    )}`;
  } finally {
    await platform.stop();
    await run('docker', ['image', 'rm', '-f', BAKED]).catch(() => undefined);
  }
}
