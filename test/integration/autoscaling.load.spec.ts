/**
 * The autoscaler on real members and their own statistics: a local member whose workload is busy
 * 20 ms of CPU in every 100 (its process tree's CPU, as its agent measures it) scales its cluster up to
 * cartridgeMax and no further — further once the max is raised live, back when it is lowered; once every member is idle (a flag in its own /tmp stops the loop),
 * a member goes after more than `scaleDownVotes` evaluations agreed, gracefully, down to
 * cartridgeMin. Each decision is a ClusterAutoscaled event naming the metric, its prediction and
 * the policy's threshold. Then: dependent scaling, a policy changed live, and group scaling (a
 * group's instances added and removed, on its own clusters' load or with the cluster it follows).
 * Timing is the test's (evaluations every second, a 4 s window).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplicationRuntime, ClusterAutoscaledPayload, GroupScaledPayload, MemberView, TopologyEvent } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { spinnerCommand } from '../support/workloads';

describe('autoscaling on members’ own load (local driver)', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', healthIntervalS: 1, scaling: { intervalS: 1, windowS: 4, horizonS: 0, coolDownS: 2, scaleDownVotes: 2 } });
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-here', provider: 'local', partitions: [{ id: 'here' }] }));
    await platform.post('/autoscalingPolicies', { id: 'busy-at-8', loadThresholds: { loadAverage: { threshold: 8 } } });
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-here', networkPartitions: [{ id: 'np-here', partitionAlgo: 'one-after-another', partitions: [{ id: 'here', partitionMax: 5 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-here', networkPartitions: ['np-here'] }));
    // Busy 20 ms of CPU in every 100 ms (≈20 % of a core, counted in CPU time so that a loaded machine cannot make it look
    // idle, nor dear system calls busier: spinnerCommand; enough against a threshold of 8, light beside other suites) until
    // its own /tmp/idle exists (STRATOS_ROOT: the member's `/`), then idle.
    const spin = spinnerCommand({ unlessIdleFlag: true });
    await platform.post('/cartridges', aCartridge({ type: 'idler', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'exec sleep 3600' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'spinner', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], property: [{ name: 'payload_parameter.START_COMMAND', value: spin }] }));
    await platform.post(
      '/applications',
      anApplication({ applicationId: 'spin', components: { cartridges: [aSubscription('spinner', 'spin', { cartridgeMin: 1, cartridgeMax: 2, subscribableInfo: { alias: 'spin', deploymentPolicy: 'dp-here', autoscalingPolicy: 'busy-at-8' } })] } }),
    );
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('adds members while they are busy, up to cartridgeMax, and removes one once they idle, down to cartridgeMin, saying why', async () => {
    const watch = await platform.watchEvents();
    const scaled = () => watch.events.filter((e): e is TopologyEvent & { payload: ClusterAutoscaledPayload } => e.type === 'ClusterAutoscaled').map((e) => e.payload);
    const members = async () => ((await platform.runtime('spin')).clusters[0].members as MemberView[]).filter((m) => m.status === 'Active');
    try {
      await platform.post('/applications/spin/deploy/ap-here', undefined, 202);
      await until('two Active members, the second added by the autoscaler', async () => ((await members()).length === 2 ? members() : undefined), 60_000);
      expect(scaled()[0]).toEqual(expect.objectContaining({ clusterId: 'spin.spin', direction: 'up', from: 1, to: 2, metric: 'loadAverage', threshold: 8 }));
      expect(scaled()[0].predicted).toBeGreaterThan(8);
      expect(scaled()[0].required).toBeGreaterThanOrEqual(2);
      // Both busy, more required than cartridgeMax: no decision beyond it (fenced by evaluations that saw both members).
      await until('both members reported busy for a window', async () => (await platform.api('GET', '/applications/spin/runtime')).body.clusters[0].members.every((m: MemberView) => (m.health?.loadAverage ?? 0) > 8), 30_000);
      await platform.autoscalerEvaluations(4); // past the 2 s cool-down
      expect(scaled().filter((s) => s.direction === 'up')).toHaveLength(1);
      expect(await members()).toHaveLength(2);

      // Bounds changed live (stratos app scale): a raised max lets the autoscaler go on; a lowered one takes it back at once.
      const raised = await platform.api('POST', '/applications/spin/scale', { body: { alias: 'spin', max: 3 } });
      expect([raised.status, raised.body.maxMembers]).toEqual([200, 3]);
      const three = await until('a third member, added by the autoscaler', async () => ((await members()).length === 3 ? members() : undefined), 60_000);
      expect(scaled().filter((s) => s.direction === 'up').map((s) => [s.from, s.to])).toEqual([
        [1, 2],
        [2, 3],
      ]);
      const lowered = await platform.api('POST', '/applications/spin/scale', { body: { alias: 'spin', max: 2 } });
      expect([lowered.status, lowered.body.maxMembers]).toEqual([200, 2]);
      await until('back to two members under the lowered max', async () => ((await platform.runtime('spin')).clusters[0].members as MemberView[]).length === 2, 60_000);
      const two = await members();
      expect(two.every((m) => three.some((t) => t.memberId === m.memberId))).toBe(true);

      for (const m of two) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      const down = await until('a scale-down decision', async () => scaled().find((s) => s.direction === 'down'), 60_000);
      expect(down).toEqual(expect.objectContaining({ direction: 'down', from: 2, to: 1, metric: 'loadAverage', threshold: 8, required: 1 }));
      expect(two.map((m) => m.memberId)).toContain(down.memberId);
      await until('one Active member left, the other gone', async () => {
        const all = (await platform.runtime('spin')).clusters[0].members as MemberView[];
        return all.length === 1 && all[0].status === 'Active' && all[0].memberId !== down.memberId;
      }, 60_000);
      // At cartridgeMin nothing more goes (fenced by evaluations past the cool-down and the votes).
      await platform.autoscalerEvaluations(6);
      expect(scaled().filter((s) => s.direction === 'down')).toHaveLength(1);
      expect(await members()).toHaveLength(1);
      const goneEvents = watch.events.filter((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === down.memberId).map((e) => e.payload.member.status);
      expect(goneEvents).toEqual(expect.arrayContaining(['ReadyToShutDown', 'Terminated'])); // gracefully, not lost
      expect(goneEvents).not.toContain('Lost');
      const said = (s: ClusterAutoscaledPayload) => `${s.direction} ${s.from} → ${s.to} (${s.metric} predicted ${s.predicted}, threshold ${s.threshold}, ${s.required} required)`;
      process.stdout.write(`autoscaling on members' own load: ${scaled().map(said).join('; ')}\n`);
    } finally {
      await watch.close();
    }
  }, 180_000);

  it('scales the clusters of a scalingDependents list together: a busy one takes its idle dependent along, in proportion', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'sleeper', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }], property: [{ name: 'payload_parameter.START_COMMAND', value: 'exec sleep 3600' }] }));
    const subscription = (type: string, alias: string, max: number) => aSubscription(type, alias, { cartridgeMin: 1, cartridgeMax: max, subscribableInfo: { alias, deploymentPolicy: 'dp-here', autoscalingPolicy: 'busy-at-8' } });
    await platform.post(
      '/applications',
      anApplication({ applicationId: 'pair', components: { cartridges: [subscription('spinner', 'busy', 2), subscription('sleeper', 'follower', 3)], dependencies: { scalingDependents: [{ aliases: ['cartridge.busy', 'cartridge.follower'] }] } } }),
    );
    const watch = await platform.watchEvents();
    const scaled = (clusterId: string) => watch.events.filter((e): e is TopologyEvent & { payload: ClusterAutoscaledPayload } => e.type === 'ClusterAutoscaled' && e.payload.clusterId === clusterId).map((e) => e.payload);
    const active = async (alias: string) => ((await platform.runtime('pair')).clusters.find((c) => c.alias === alias)!.members as MemberView[]).filter((m) => m.status === 'Active');
    try {
      await platform.post('/applications/pair/deploy/ap-here', undefined, 202);
      // busy's load requires far more than its max (2); its factor (required ÷ min 1) takes follower, idle itself, to its max 3.
      await until('follower at 3 Active members, busy at 2', async () => (await active('follower')).length === 3 && (await active('busy')).length === 2, 90_000);
      expect(scaled('pair.follower')[0]).toEqual(expect.objectContaining({ direction: 'up', from: 1, to: 3, metric: 'loadAverage', threshold: 8, dependentOf: 'pair.busy' }));
      expect(scaled('pair.busy')[0]).toEqual(expect.objectContaining({ direction: 'up', from: 1, to: 2, metric: 'loadAverage' }));
      expect(scaled('pair.busy')[0].dependentOf).toBeUndefined();
      // As `stratos topology watch` says it (it follows until stopped: stopped at that line or after 30 s; the log from the start).
      const line = /pair\.follower\s+up 1 → 3\s+with pair\.busy: its loadAverage predicted [\d.]+, threshold 8: 3 required/;
      const printed = await runCli(['topology', 'watch', '--since', '0'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 30_000, until: line });
      expect(printed.stdout).toMatch(line);
      process.stdout.write(`dependent scaling: ${[...scaled('pair.busy'), ...scaled('pair.follower')].map((e) => `${e.clusterId} ${e.direction} ${e.from} → ${e.to}${e.dependentOf ? ` with ${e.dependentOf}` : ''} (${e.metric} predicted ${e.predicted}, ${e.required} required)`).join('; ')}\n`);
    } finally {
      await watch.close();
      for (const m of await active('busy')) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      await platform.post('/applications/pair/undeploy', undefined, 202);
    }
  }, 180_000);

  it('applies a changed autoscaling policy at the next evaluation, with no redeploy', async () => {
    await platform.post('/autoscalingPolicies', { id: 'lenient', loadThresholds: { loadAverage: { threshold: 90 } } });
    await platform.post(
      '/applications',
      anApplication({ applicationId: 'calm', components: { cartridges: [aSubscription('spinner', 'calm', { cartridgeMin: 1, cartridgeMax: 2, subscribableInfo: { alias: 'calm', deploymentPolicy: 'dp-here', autoscalingPolicy: 'lenient' } })] } }),
    );
    const watch = await platform.watchEvents();
    const scaled = () => watch.events.filter((e): e is TopologyEvent & { payload: ClusterAutoscaledPayload } => e.type === 'ClusterAutoscaled' && e.payload.clusterId === 'calm.calm').map((e) => e.payload);
    const active = async () => ((await platform.runtime('calm')).clusters[0].members as MemberView[]).filter((m) => m.status === 'Active');
    try {
      await platform.post('/applications/calm/deploy/ap-here', undefined, 202);
      const [member] = await until('calm Active', async () => ((await platform.runtime('calm')).status === 'Active' ? active() : undefined), 60_000);
      // Busy (≈20 % of a core) but under 90: the autoscaler holds, evaluation after evaluation.
      await until('its load reported', async () => (await active())[0]?.health?.loadAverage, 30_000);
      await platform.autoscalerEvaluations(4);
      expect(scaled()).toEqual([]);
      const before = await platform.api('GET', '/applications/calm/statistics');
      expect(before.body.clusters[0]).toEqual(expect.objectContaining({ thresholds: { loadAverage: 90 }, lastEvaluation: expect.objectContaining({ outcome: 'hold' }) }));

      // The policy changed while the application runs: the next evaluation reads it.
      const changed = await platform.api('PUT', '/autoscalingPolicies/lenient', { body: { id: 'lenient', loadThresholds: { loadAverage: { threshold: 8 } } } });
      expect(changed.status).toBe(200);
      const up = await until('a scale-up by the changed policy', async () => scaled().find((s) => s.direction === 'up'), 60_000);
      expect(up).toEqual(expect.objectContaining({ from: 1, to: 2, metric: 'loadAverage', threshold: 8 }));
      await until('two Active members', async () => (await active()).length === 2, 60_000);
      expect((await active()).map((m) => m.memberId)).toContain(member.memberId);
      expect((await platform.api('GET', '/applications/calm/statistics')).body.clusters[0].thresholds).toEqual({ loadAverage: 8 });
    } finally {
      await watch.close();
      for (const m of await active()) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      await platform.post('/applications/calm/undeploy', undefined, 202);
    }
  }, 180_000);

  it('adds an instance of a group that scales (all its clusters, started in their own order) when a cluster at its max needs more, and removes it once the others can do without it', async () => {
    await platform.post('/cartridgeGroups', { name: 'stack', cartridges: ['spinner', 'idler'], dependencies: { startupOrders: [{ aliases: ['cartridge.back', 'cartridge.front'] }] } });
    const fixed = (type: string, alias: string, policy?: string) => aSubscription(type, alias, { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias, deploymentPolicy: 'dp-here', ...(policy ? { autoscalingPolicy: policy } : {}) } });
    await platform.post(
      '/applications',
      anApplication({ applicationId: 'tiers', components: { groups: [{ name: 'stack', alias: 'stack', groupScalingEnabled: true, groupMinInstances: 1, groupMaxInstances: 2, cartridges: [fixed('spinner', 'front', 'busy-at-8'), fixed('idler', 'back')] }] } }),
    );
    const watch = await platform.watchEvents();
    const grouped = () => watch.events.filter((e): e is TopologyEvent & { payload: GroupScaledPayload } => e.type === 'GroupScaled').map((e) => e.payload);
    const runtime = () => platform.runtime('tiers') as Promise<ApplicationRuntime>;
    const spinners = async () => (await runtime()).clusters.filter((c) => c.alias === 'front').flatMap((c) => c.members);
    try {
      await platform.post('/applications/tiers/deploy/ap-here', undefined, 202);
      // front is busy (its load requires 3, its max is 1): a second instance of the whole group.
      const up = await until('a second instance of the group', async () => grouped().find((g) => g.direction === 'up'), 90_000);
      expect(up).toEqual(expect.objectContaining({ applicationId: 'tiers', group: 'stack', from: 1, to: 2, instance: 2, clusterIds: ['tiers.back~g2', 'tiers.front~g2'], cause: expect.objectContaining({ clusterId: 'tiers.front', metric: 'loadAverage', threshold: 8 }) }));
      expect(up.cause!.required).toBeGreaterThan(1);
      const two = await until('both instances Active', async () => {
        const now = await runtime();
        return now.status === 'Active' && now.clusters.length === 4 && now.clusters.every((c) => c.status === 'Active' && c.members.some((m) => m.status === 'Active')) ? now : undefined;
      }, 90_000);
      expect(two.groups).toEqual([expect.objectContaining({ alias: 'stack', status: 'Active', instances: 2 })]);
      expect(two.clusters.map((c) => [c.clusterId, c.groupInstance?.instance])).toEqual(expect.arrayContaining([['tiers.front~g2', 2], ['tiers.back~g2', 2]]));
      // Its own startup order: front~g2 launched only once back~g2 was Active.
      const at = (match: (e: TopologyEvent & { payload: any }) => boolean) => watch.events.findIndex(match);
      expect(at((e) => e.type === 'ClusterStatusChanged' && e.payload.clusterId === 'tiers.back~g2' && e.payload.to === 'Active')).toBeLessThan(at((e) => e.type === 'MemberCreated' && e.payload.clusterId === 'tiers.front~g2'));
      // Its own links: front~g2's members see back~g2, not the first instance's back.
      const frontTwo = two.clusters.find((c) => c.clusterId === 'tiers.front~g2')!.members[0];
      const tree = (await platform.api('GET', `/metadata/members/${frontTwo.memberId}`)).body.tree as Record<string, string>;
      expect(tree['/links/back/cluster/cluster_id']).toBe('tiers.back~g2');
      // Both instances busy: at groupMaxInstances, nothing more (fenced by evaluations past the cool-down).
      await platform.autoscalerEvaluations(5);
      expect(grouped().filter((g) => g.direction === 'up')).toHaveLength(1);
      const stats = (await platform.api('GET', '/applications/tiers/statistics')).body;
      expect(stats.groups).toEqual([expect.objectContaining({ alias: 'stack', instances: [1, 2], minInstances: 1, maxInstances: 2, lastEvaluation: expect.objectContaining({ outcome: 'hold', reason: expect.stringContaining('at groupMaxInstances 2') }) })]);

      // Idle: one instance holds what both need; after the votes the newest goes, drained, and its clusters with it.
      for (const m of await spinners()) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      const down = await until('the second instance removed', async () => grouped().find((g) => g.direction === 'down'), 90_000);
      expect(down).toEqual(expect.objectContaining({ from: 2, to: 1, instance: 2, clusterIds: ['tiers.back~g2', 'tiers.front~g2'] }));
      await until('its clusters gone', async () => (await runtime()).clusters.length === 2, 60_000);
      const left = await runtime();
      expect([left.status, left.clusters.map((c) => c.clusterId).sort(), left.groups[0].instances]).toEqual(['Active', ['tiers.back', 'tiers.front'], 1]);
      expect(watch.events.filter((e) => e.type === 'ClusterRemoved' && e.payload.applicationId === 'tiers').map((e) => e.payload.cluster.clusterId).sort()).toEqual(['tiers.back~g2', 'tiers.front~g2']);
      const goneMember = watch.events.filter((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === frontTwo.memberId).map((e) => e.payload.member.status);
      expect(goneMember).toEqual(expect.arrayContaining(['ReadyToShutDown', 'Terminated']));
      expect(goneMember).not.toContain('Lost');
      // The application never went Inactive for it.
      expect(watch.events.filter((e) => e.type === 'ApplicationStatusChanged' && e.payload.applicationId === 'tiers').map((e) => e.payload.to)).toEqual(['Created', 'Active']);
      process.stdout.write(`group scaling: ${grouped().map((g) => `${g.group} ${g.direction} ${g.from} → ${g.to} (instance ${g.instance}: ${g.reason})`).join('; ')}\n`);
    } finally {
      await watch.close();
      for (const m of await spinners().catch(() => [])) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      await platform.post('/applications/tiers/undeploy', undefined, 202);
    }
  }, 240_000);

  it('scales a group that scales with the cluster it follows in a scalingDependents list (group.ALIAS), in instances', async () => {
    await platform.post('/cartridgeGroups', { name: 'quiet', cartridges: ['idler'] });
    await platform.post(
      '/applications',
      anApplication({
        applicationId: 'led',
        components: {
          cartridges: [aSubscription('spinner', 'lead', { cartridgeMin: 1, cartridgeMax: 2, subscribableInfo: { alias: 'lead', deploymentPolicy: 'dp-here', autoscalingPolicy: 'busy-at-8' } })],
          groups: [{ name: 'quiet', alias: 'quiet', groupScalingEnabled: true, groupMinInstances: 1, groupMaxInstances: 2, cartridges: [aSubscription('idler', 'calm-one', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'calm-one', deploymentPolicy: 'dp-here' } })] }],
          dependencies: { scalingDependents: [{ aliases: ['cartridge.lead', 'group.quiet'] }] },
        },
      }),
    );
    const watch = await platform.watchEvents();
    const grouped = () => watch.events.filter((e): e is TopologyEvent & { payload: GroupScaledPayload } => e.type === 'GroupScaled' && e.payload.applicationId === 'led').map((e) => e.payload);
    const leads = async () => ((await platform.runtime('led')).clusters.find((c) => c.alias === 'lead')?.members ?? []) as MemberView[];
    try {
      await platform.post('/applications/led/deploy/ap-here', undefined, 202);
      // lead's load requires several times its min: its list's factor takes the group to its groupMaxInstances, saying whom it follows.
      const up = await until('quiet follows lead up', async () => grouped().find((g) => g.direction === 'up'), 90_000);
      expect(up).toEqual(expect.objectContaining({ group: 'quiet', from: 1, to: 2, instance: 2, clusterIds: ['led.calm-one~g2'], cause: expect.objectContaining({ clusterId: 'led.lead', dependentOf: 'led.lead', metric: 'loadAverage' }) }));
      await until('two instances of quiet Active', async () => (await platform.runtime('led')).clusters.filter((c) => c.alias === 'calm-one' && c.status === 'Active').length === 2, 60_000);
      // lead idle: its factor falls to 1, and the group, with no statistics of its own, goes back to one instance.
      for (const m of await leads()) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      const down = await until('quiet back to one instance', async () => grouped().find((g) => g.direction === 'down'), 90_000);
      expect(down).toEqual(expect.objectContaining({ from: 2, to: 1, instance: 2 }));
      process.stdout.write(`group as a scaling dependent: ${grouped().map((g) => `${g.group} ${g.direction} ${g.from} → ${g.to} (${g.reason})`).join('; ')}\n`);
    } finally {
      await watch.close();
      for (const m of await leads().catch(() => [])) writeFileSync(join(platform.home, 'members', m.memberId, 'root', 'tmp', 'idle'), '');
      await platform.post('/applications/led/undeploy', undefined, 202);
    }
  }, 240_000);
});
