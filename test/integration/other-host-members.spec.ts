/**
 * Local members belong to the host they run on. A controller with a STRATOS_HOME of its own (as
 * on another host) that takes the lead lists its own host's local members only: those the first
 * controller launched are not gone for not being listed — their agents speak, and they stay — and
 * they are stopped through their agents (a control message), never by a pid of this host.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { liveMemberIds } from '../support/processes';

describe('local members of another host', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', controllerProcess: true });
    await platform.post('/cartridges', aCartridge({ type: 'away', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'away-image' }] }));
    await platform.post('/networkPartitions', aNetworkPartition());
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/applications', anApplication({ applicationId: 'away', components: { cartridges: [aSubscription('away', 'away-1', { cartridgeMin: 2, cartridgeMax: 2 })] } }));
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it("a leader on another host leaves the first host's local members running while their agents speak, and stops them through their agents", async () => {
    await platform.post('/applications/away/deploy/ap-1', undefined, 202);
    const members = await until('2 members Active', async () => {
      const found = (await platform.runtime('away')).clusters[0].members;
      return found.length === 2 && found.every((m) => m.status === 'Active') ? found : undefined;
    }, 60_000);
    const ids = members.map((m) => m.memberId).sort();
    const home = await mkdtemp(join(tmpdir(), 'stratos-other-host-'));
    const other = await platform.startStandbyController({ home, env: { STRATOS_SECRET_KEY_FILE: join(platform.home, 'secret.key'), LOG_LEVEL: 'info' } });
    try {
      await until("the other host's controller stands by", async () => other.output().includes('standing by'), 30_000);
      await platform.killController();
      await until("the other host's controller leads", async () => other.output().includes("leading the platform's controllers"), 30_000);
      await until('the manager sees it', async () => ((await platform.api('GET', '/health', { token: null })).body as { cloudController: string }).cloudController === 'up', 30_000);
      // Its passes judged them and found nothing wrong: the same members, Active, their agents the first host's processes.
      await platform.reconcilePasses(3);
      const now = (await platform.runtime('away')).clusters[0].members;
      expect(now.map((m) => [m.memberId, m.status]).sort()).toEqual(ids.map((id) => [id, 'Active']));
      expect([...liveMemberIds('')].filter((id) => ids.includes(id)).sort()).toEqual(ids);
      // Undeployed from here: each agent is told to stop, and stops as at a SIGTERM.
      await platform.post('/applications/away/undeploy', undefined, 202);
      await until('away undeployed', async () => (await platform.api('GET', '/applications/away/runtime')).status === 404, 60_000);
      await until('their agents stopped', async () => [...liveMemberIds('')].every((id) => !ids.includes(id)), 30_000);
      for (const id of ids) expect(await readFile(join(platform.home, 'members', id, 'agent.log'), 'utf8')).toContain('stopping: the controller stopped it');
    } finally {
      await other.stop('SIGTERM');
      await rm(home, { recursive: true, force: true });
    }
  }, 180_000);
});
