/**
 * A local member cannot read the platform's own folder (admin credential, member secret, secret
 * key), even where STRATOS_HOME lies inside the project folder its sandbox sees read-only (as
 * `npm start`'s default `.stratos` does): there it is hidden behind an empty tmpfs. Where the
 * controller is root, the member runs as a user of its own, so /proc's way around the sandbox
 * (the controller's root folder and environment) is closed too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memberUidOf, sandboxAvailable } from '@stratos/iaas';
import { ROOT } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { IN_CI } from '../support/test-env';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

const sandbox = sandboxAvailable();
if (!sandbox) {
  const line = 'SKIPPED the member isolation test: no bubblewrap that runs here (apt-get install -y bubblewrap); .ci/run installs it';
  if (IN_CI) throw new Error(`${line}, and CI=true forbids skipping`);
  process.stdout.write(`${line}\n`);
}

(sandbox ? describe : describe.skip)("a local member and the platform's own folder", () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', homeUnder: ROOT }); // as npm start's .stratos: inside the project
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
  });
  afterAll(async () => {
    await platform?.stop();
  });

  /** Deploys a member whose workload looks for the platform's secrets; what it saw, and its uid. */
  const probeAs = async (user: 'member' | 'root'): Promise<{ saw: string; uid: number; host: string }> => {
    const targets = ['admin-credentials', 'platform-id', 'members'].map((f) => join(platform.home, f));
    // Also by the way around the sandbox a root member has: the controller's own root folder and environment, through /proc.
    const controller = `/proc/${process.pid}`;
    const around = [`${controller}/root${join(platform.home, 'admin-credentials')}`, `${controller}/environ`];
    const probe = [
      'id -u > /uid',
      `for f in ${targets.join(' ')}; do if ls "$f" >/dev/null 2>&1; then echo "saw $f" >> /probe; fi; done`,
      `for f in ${around.join(' ')}; do if head -c 1 "$f" >/dev/null 2>&1; then echo "read $f" >> /probe; fi; done`,
      'echo done >> /probe; exec sleep 600',
    ].join('; ');
    const type = `nosy-${user}`;
    const property = [{ name: 'payload_parameter.START_COMMAND', value: probe }, { name: 'container.user', value: user }];
    await platform.post('/cartridges', aCartridge({ type, portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property }));
    await platform.post('/applications', anApplication({ applicationId: type, components: { cartridges: [aSubscription(type, `${type}-1`, { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post(`/applications/${type}/deploy/ap-1`, undefined, 202);
    await until(`${type} Active`, async () => (await platform.runtime(type)).status === 'Active', 30_000);
    const [member] = (await platform.runtime(type)).clusters[0].members;
    const root = join(platform.home, 'members', member.memberId, 'root');
    await until('the probe ran', async () => existsSync(join(root, 'probe')) && readFileSync(join(root, 'probe'), 'utf8').includes('done'), 10_000);
    const found = { saw: readFileSync(join(root, 'probe'), 'utf8'), uid: Number(readFileSync(join(root, 'uid'), 'utf8')), host: member.host! };
    await platform.post(`/applications/${type}/undeploy?force=true`, undefined, 202);
    await until(`${type} gone`, async () => (await platform.api('GET', `/applications/${type}/runtime`)).status === 404);
    return found;
  };

  it('cannot read the admin credential, the member secret or the secret key, directly or through /proc', async () => {
    const { saw, uid, host } = await probeAs('member');
    expect(saw).toBe('done\n'); // it looked, and saw none of them
    // Where the controller is root, the member is a user of its own: the uid its loopback address gives.
    expect(uid).toBe(process.getuid?.() === 0 ? memberUidOf(host) : process.getuid?.());
  });

  (process.getuid?.() === 0 ? it : it.skip)('as root (container.user: root) it could: what the member user closes', async () => {
    const { saw, uid } = await probeAs('root');
    expect(uid).toBe(0);
    expect(saw).toContain(`read /proc/${process.pid}/environ`);
    expect(saw).toContain(`read /proc/${process.pid}/root${join(platform.home, 'admin-credentials')}`);
    expect(saw).not.toContain('saw'); // the sandbox still hides the folder itself
  });
});
