/**
 * The broker restarted in the middle of a deploy, on each broker the platform supports: every
 * agent and the controller reconnect; no member is Lost for it (a Last Will is not a death
 * sentence: a member is Lost only when its agent stays silent past the grace, 3× its keepalive);
 * the deploy finishes; no topology event is lost. And the grace itself: a frozen agent that
 * comes back within it stays, one that does not is Lost and replaced — also when no Last Will
 * could reach the controller (an agent frozen while the broker was down).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { packBundle, type ApplicationRuntime, type MemberView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { availableBrokers } from '../support/brokers';
import { gapFree, topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

const KEEPALIVE_S = 4;
const GRACE_S = 3 * KEEPALIVE_S;
/** How long the agent that comes back stays frozen at most: past the broker's keepalive (1.5×), well within the grace. */
const FROZEN_MS = 1.5 * KEEPALIVE_S * 1000;

describe.each(availableBrokers())('broker restart (%s)', (broker) => {
  let platform: TestPlatform;
  let db: pg.Client;
  const active = (runtime: ApplicationRuntime | undefined): MemberView[] => (runtime?.clusters ?? []).flatMap((c) => c.members).filter((m) => m.status === 'Active');
  const runtimeOf = async (applicationId: string) => {
    const response = await platform.api<ApplicationRuntime>('GET', `/applications/${applicationId}/runtime`);
    return response.status === 200 ? response.body : undefined;
  };
  const notices = async (memberId: string) =>
    (await db.query<{ message: string }>(`SELECT payload->>'message' AS message FROM topology_events WHERE type = 'MemberNotice' AND payload->>'memberId' = $1 ORDER BY revision`, [memberId])).rows.map((r) => r.message);
  /** How often the member's agent logged a line with `text` (its log is the one witness of what it did while the broker was away). */
  const agentSaid = async (memberId: string, text: string) => (await readFile(join(platform.home, 'members', memberId, 'agent.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(text)).length;
  const lostMembers = async () =>
    (await db.query<{ member_id: string; reason: string }>(`SELECT payload->'member'->>'memberId' AS member_id, payload->>'reason' AS reason FROM topology_events WHERE type = 'MemberStatusChanged' AND payload->'member'->>'status' = 'Lost'`)).rows;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker, agentKeepaliveS: KEEPALIVE_S });
    db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 10 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'sturdy', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    for (const [id, count] of [['steady', 3], ['moving', 4]] as const) {
      await platform.post('/applications', anApplication({ applicationId: id, components: { cartridges: [aSubscription('sturdy', `${id}-web`, { cartridgeMin: count, cartridgeMax: count })] } }));
    }
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  });

  it('loses no member and no event when the broker restarts mid-deploy', async () => {
    await platform.post('/applications/steady/deploy/ap-1', undefined, 202);
    const steady = active(await until('steady Active', async () => ((await runtimeOf('steady'))?.status === 'Active' ? runtimeOf('steady') : undefined)));
    expect(steady).toHaveLength(3);

    await platform.post('/applications/moving/deploy/ap-1', undefined, 202);
    await platform.broker.restart(2000);

    const moving = await until('moving Active with 4 members after the restart', async () => {
      const runtime = await runtimeOf('moving');
      return runtime?.status === 'Active' && active(runtime).length === 4 ? runtime : undefined;
    }, 60_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await platform.story('moving')}`);
    });
    expect(active(moving)).toHaveLength(4);
    // Every agent whose Last Will came (aedes sends them as it closes; a Mosquitto killed -9 sends none) spoke again after it.
    const backAfterWill = async (memberId: string) => {
      const said = await notices(memberId);
      return said.findLastIndex((n) => n.startsWith('its agent disconnected')) <= said.findLastIndex((n) => n.startsWith('its agent reconnected'));
    };
    await until('every agent reconnected', async () => (await Promise.all(steady.map((m) => backAfterWill(m.memberId)))).every(Boolean), 30_000);
    // Whether or not its Will reached the controller (aedes drops the controller with the agents), each agent is connected again.
    await until('every agent connected to the broker again', async () => (await Promise.all(steady.map((m) => agentSaid(m.memberId, 'connected to the broker again')))).every((n) => n >= 1), 30_000);
    expect(active(await runtimeOf('steady')).map((m) => m.memberId).sort()).toEqual(steady.map((m) => m.memberId).sort());
    expect(await lostMembers()).toEqual([]);
    // The controller's outbox published everything it wrote while the broker was away, without a gap.
    await until('every event published', async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM topology_events WHERE published_at IS NULL')).rows[0].n === 0, 30_000).catch(async (error: Error) => {
      const left = (await db.query<{ revision: string; type: string; created_at: Date }>('SELECT revision, type, created_at FROM topology_events WHERE published_at IS NULL ORDER BY revision')).rows;
      const metrics = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
      throw new Error(`${error.message}; unpublished: ${JSON.stringify(left)}; ${metrics.split('\n').filter((l) => l.startsWith('stratos_broker_connected')).join(' ')}`);
    });
    const revisions = await topologyRevisions(platform.databaseUrl);
    expect(revisions).toEqual(gapFree(revisions));
    // Longer than its waits together, so that a slow step fails with its own name (and the story), not as "the test timed out".
  }, 240_000);

  it(`keeps a frozen agent that comes back within the grace (${GRACE_S} s), and replaces one that does not`, async () => {
    const [back, gone] = active(await runtimeOf('steady'));
    // Frozen (SIGSTOP) past its keepalive: the broker drops it and sends its Last Will — aedes at 1.5 keepalives;
    // Mosquitto checks keepalives every few seconds, so its Will may come after the thaw, or not at all.
    const frozenAt = Date.now();
    process.kill(-Number(back.instanceId), 'SIGSTOP');
    const willCame = async () => (await notices(back.memberId)).some((n) => n.startsWith('its agent disconnected'));
    await until(`${back.memberId}'s Last Will reached the controller, or ${FROZEN_MS} ms`, async () => (await willCame()) || Date.now() - frozenAt >= FROZEN_MS, FROZEN_MS + 5000);
    if (broker === 'aedes') expect(await willCame()).toBe(true);
    process.kill(-Number(back.instanceId), 'SIGCONT');
    const thawedAt = Date.now();
    await until(`${back.memberId} heard from after the thaw`, async () => {
      const member = active(await runtimeOf('steady')).find((m) => m.memberId === back.memberId);
      return member?.health && Date.parse(member.health.timestamp) > thawedAt;
    }, 20_000);
    // A Will the controller heard is answered: the agent reconnected within the grace.
    const said = await notices(back.memberId);
    if (await willCame()) expect(said[said.length - 1]).toMatch(/^its agent reconnected after \d+\.\d s$/);

    process.kill(-Number(gone.instanceId), 'SIGSTOP');
    try {
      const replaced = await until('the silent member Lost and replaced', async () => {
        const runtime = await runtimeOf('steady');
        return active(runtime).length === 3 && !active(runtime).some((m) => m.memberId === gone.memberId) ? runtime : undefined;
      }, 60_000);
      // Lost by its Will (aedes) or by its silence (Mosquitto's Will may come later than the grace).
      const lost = await lostMembers();
      expect(lost).toEqual([{ member_id: gone.memberId, reason: expect.stringMatching(new RegExp(`^its agent (disconnected \\(Last Will\\) and did not reconnect within ${GRACE_S} s|has not been heard from for \\d+ s \\(no health report within the grace, ${GRACE_S} s\\))`)) }]);
      if (broker === 'aedes') expect(lost[0].reason).toMatch(/Last Will/);
      // The one that came back is still there, Active: it was never Lost (the replacement is the fence: passes ran after the thaw).
      expect(active(replaced).map((m) => m.memberId)).toContain(back.memberId);
    } finally {
      try {
        process.kill(-Number(gone.instanceId), 'SIGKILL');
      } catch {
        // already stopped by the controller
      }
    }
  }, 150_000);

  it('finds an agent that froze while the broker was down Lost, though no Last Will could come, and replaces it', async () => {
    const before = active(await runtimeOf('steady'));
    expect(before).toHaveLength(3);
    const frozen = before[0];
    const refusedBefore = await agentSaid(frozen.memberId, 'broker: ');
    const willsBefore = (await notices(frozen.memberId)).filter((n) => n.startsWith('its agent disconnected')).length;
    const restarted = platform.broker.restart(4000);
    // The broker is down once the agent fails to reach it: frozen now, it will not reconnect, and no Will of its can come.
    await until(`${frozen.memberId} found the broker gone`, async () => (await agentSaid(frozen.memberId, 'broker: ')) > refusedBefore, 10_000);
    process.kill(-Number(frozen.instanceId), 'SIGSTOP');
    try {
      await restarted;
      const replaced = await until('the frozen member Lost and replaced', async () => {
        const runtime = await runtimeOf('steady');
        return active(runtime).length === 3 && !active(runtime).some((m) => m.memberId === frozen.memberId) ? runtime : undefined;
      }, 60_000);
      const willCame = (await notices(frozen.memberId)).filter((n) => n.startsWith('its agent disconnected')).length > willsBefore;
      const reason = willCame ? /^its agent disconnected \(Last Will\)/ : new RegExp(`^its agent has not been heard from for \\d+ s \\(no health report within the grace, ${GRACE_S} s\\)$`);
      expect((await lostMembers()).filter((l) => l.member_id === frozen.memberId)).toEqual([{ member_id: frozen.memberId, reason: expect.stringMatching(reason) }]);
      // The others came back and stayed.
      expect(active(replaced).map((m) => m.memberId)).toEqual(expect.arrayContaining(before.slice(1).map((m) => m.memberId)));
    } finally {
      try {
        process.kill(-Number(frozen.instanceId), 'SIGKILL');
      } catch {
        // already stopped by the controller
      }
    }
    for (const id of ['steady', 'moving']) await platform.post(`/applications/${id}/undeploy?force=true`, undefined, 202);
    for (const id of ['steady', 'moving']) await until(`${id} undeployed`, async () => (await platform.api('GET', `/applications/${id}/runtime`)).status === 404);
  }, 180_000);

  it(`keeps a member that provisions for longer than the grace (${GRACE_S} s): busy is not silent`, async () => {
    const provisionS = GRACE_S + 4;
    await platform.post('/cartridges', aCartridge({ type: 'slowpoke', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    const bundle = packBundle([{ path: 'provision/10-install.sh', kind: 'file', mode: 0o755, content: Buffer.from(`#!/bin/sh\nsleep ${provisionS}\n`) }]);
    expect((await platform.api('PUT', '/cartridges/slowpoke/bundle', { raw: bundle, headers: { 'content-type': 'application/gzip' } })).status).toBe(200);
    await platform.post('/applications', anApplication({ applicationId: 'slow', components: { cartridges: [aSubscription('slowpoke', 'slow-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    await platform.post('/applications/slow/deploy/ap-1', undefined, 202);
    const [member] = active(await until('slow Active', async () => ((await runtimeOf('slow'))?.status === 'Active' ? runtimeOf('slow') : undefined), 90_000));
    expect(await notices(member.memberId)).toContainEqual(expect.stringMatching(/^provisioned: 10-install\.sh in (\d+) ms$/));
    const [, ms] = /in (\d+) ms/.exec((await notices(member.memberId)).find((n) => n.startsWith('provisioned:'))!)!;
    expect(Number(ms)).toBeGreaterThan(GRACE_S * 1000); // it really was quiet in the workload sense for longer than the grace
    expect((await lostMembers()).filter((l) => l.member_id.startsWith('slow-1'))).toEqual([]);
    await platform.post('/applications/slow/undeploy?force=true', undefined, 202);
  }, 150_000);
});
