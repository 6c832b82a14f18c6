/**
 * Persistent volumes of local members: folders of the cluster slot under STRATOS_HOME/volumes,
 * mounted at the cartridge's mappingPath. A member killed -9 is replaced in its slot, and the
 * replacement sees the same data; an undeploy removes the volumes marked removeOnTermination and
 * keeps the others.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('persistent volumes of local members', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('keeps a slot\'s data for its replacement, and removes at undeploy only what says removeOnTermination', async () => {
    // The workload writes a random seed once, and shows what it finds in its own root.
    const start = 'R="${STRATOS_ROOT%/}"; [ -f "$R/data/seed" ] || head -c 4096 /dev/urandom > "$R/data/seed"; mkdir -p "$R/opt"; cp "$R/data/seed" "$R/opt/seen"; echo x > "$R/scratch/tmp"; exec sleep 3600';
    await platform.post(
      '/cartridges',
      aCartridge({
        type: 'stateful',
        portMapping: [],
        iaasProvider: [{ type: 'mock', imageId: 'i' }],
        persistence: { required: true, volume: [{ id: 'data', size: 1, mappingPath: '/data', removeOnTermination: false }, { id: 'scratch', size: 1, mappingPath: '/scratch', removeOnTermination: true }] },
        property: [{ name: 'payload_parameter.START_COMMAND', value: start }],
      }),
    );
    await platform.post('/applications', anApplication({ applicationId: 'vol', components: { cartridges: [aSubscription('stateful', 'vol-1')] } }));
    await platform.post('/applications/vol/deploy/ap-1', undefined, 202);
    const [first] = (await until('vol Active', async () => ((await platform.runtime('vol')).status === 'Active' ? platform.runtime('vol') : undefined))).clusters[0].members;
    const slot = join(platform.home, 'volumes', 'vol.vol-1', 'slot-1');
    const seenBy = (memberId: string) => join(platform.home, 'members', memberId, 'root', 'opt', 'seen');
    await until('the seed is written', async () => existsSync(seenBy(first.memberId)));
    const seed = sha(join(slot, 'data', 'seed'));
    expect(sha(seenBy(first.memberId))).toBe(seed);

    process.kill(-Number(first.instanceId), 'SIGKILL');
    const replacement = await until('a replacement Active', async () => (await platform.runtime('vol')).clusters[0].members.find((m) => m.status === 'Active' && m.memberId !== first.memberId));
    expect(replacement.sid).toBe(1);
    await until('the replacement reads the slot', async () => existsSync(seenBy(replacement.memberId)));
    expect(sha(seenBy(replacement.memberId))).toBe(seed);

    await platform.post('/applications/vol/undeploy', undefined, 202);
    await until('vol gone', async () => (await platform.api('GET', '/applications/vol/runtime')).status === 404);
    expect(sha(join(slot, 'data', 'seed'))).toBe(seed);
    expect(existsSync(join(slot, 'scratch'))).toBe(false);
  });
});
