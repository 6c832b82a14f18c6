/**
 * Local members belong to the host they run on. A controller with a STRATOS_HOME of its own (as
 * on another host) that takes the lead lists its own host's local members only: those the first
 * controller launched are not gone for not being listed — their agents speak, and they stay — and
 * they are stopped through their agents (a control message), never by a pid of this host. The
 * first host's controller, back as a standby, tends its host's members: one killed there is Lost
 * at once (and replaced by the leader), and what is left of members gone is removed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { memberFiles } from '../support/member-files';
import { liveMemberIds } from '../support/processes';
import pg from 'pg';

describe('local members of another host', () => {
  let platform: TestPlatform;
  /** What the member's history says: its transitions (to, and why) and notices. */
  const memberSaid = async (memberId: string) => {
    const client = new pg.Client({ connectionString: platform.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ said: string }>(
        "SELECT coalesce(payload->'member'->>'status', type) || ' ' || coalesce(payload->>'reason', payload->>'message', '') AS said FROM topology_events WHERE payload->>'memberId' = $1 OR payload->'member'->>'memberId' = $1 ORDER BY revision",
        [memberId],
      );
      return rows.map((r) => r.said);
    } finally {
      await client.end();
    }
  };

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

  it("a leader on another host leaves the first host's local members running while their agents speak and stops them through their agents; the first host's standby tends them", async () => {
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

      // Back on the first host, standing by: it tends its host's members. One of them killed there is Lost at once
      // (the leader cannot see it go), and the leader replaces it — on its own host.
      const keeper = await platform.startStandbyController({ env: { LOG_LEVEL: 'info' } });
      await until("the first host's controller stands by", async () => keeper.output().includes('standing by'), 30_000);
      const [victim, survivor] = members;
      memberFiles('local', platform.home, []).kill(victim);
      await until('the victim Lost, seen on its host', async () => (await memberSaid(victim.memberId)).some((line) => /Lost its local instance \S+ is gone.*\(seen by /.test(line)), 30_000).catch(async (error: Error) => {
        throw new Error(`${error.message}; its history: ${JSON.stringify(await memberSaid(victim.memberId))}\nthe keeper said: ${keeper.output().slice(-3000)}`);
      });
      const replaced = await until('a replacement Active', async () => {
        const found = (await platform.runtime('away')).clusters[0].members;
        return found.length === 2 && found.every((m) => m.status === 'Active') && !found.some((m) => m.memberId === victim.memberId) ? found : undefined;
      }, 60_000);
      expect(replaced.map((m) => m.memberId)).toContain(survivor.memberId);
      await keeper.stop('SIGTERM');

      // Undeployed from the other host: the first host's member is told to stop through its agent, and stops as at a SIGTERM.
      await platform.post('/applications/away/undeploy', undefined, 202);
      await until('away undeployed', async () => (await platform.api('GET', '/applications/away/runtime')).status === 404, 60_000);
      await until('their agents stopped', async () => [...liveMemberIds('')].every((id) => !replaced.some((m) => m.memberId === id)), 30_000);
      expect(await readFile(join(platform.home, 'members', survivor.memberId, 'agent.log'), 'utf8')).toContain('stopping: the controller stopped it');
      // What is left of them on the first host (their folders) goes once its controller is back.
      const back = await platform.startStandbyController({ env: { LOG_LEVEL: 'info' } });
      await until("the first host's leftovers removed", async () => ids.every((id) => !existsSync(join(platform.home, 'members', id))), 30_000);
      await back.stop('SIGTERM');
    } finally {
      await other.stop('SIGTERM');
      await rm(home, { recursive: true, force: true });
    }
  }, 180_000);
});
