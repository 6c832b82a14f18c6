/**
 * The runtime view in pages (`?members=N`, then `?cluster=…&after=…&members=N`): a fleet of
 * thousands is read a page at a time, each cluster's count by state always whole. Walking the
 * pages yields exactly the full view's members; bad paging is a 400 naming the parameter.
 */
import type { ApplicationRuntime } from '@stratos/contracts';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('the runtime view in pages', () => {
  let platform: TestPlatform;
  const view = async (query: string) => platform.api<ApplicationRuntime>('GET', `/applications/paged/runtime${query}`);

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 5 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'pg-web', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'paged', components: { cartridges: [aSubscription('pg-web', 'pg-web-1', { cartridgeMin: 5, cartridgeMax: 5 })] } }));
    await platform.post('/applications/paged/deploy/ap-1', undefined, 202);
    await until('paged Active', async () => (await platform.runtime('paged')).status === 'Active', 60_000);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('lists at most N members per cluster, counts all of them, and continues where the page ended', async () => {
    const full = (await view('')).body.clusters[0];
    expect(full.members).toHaveLength(5);
    expect([full.memberCount, full.membersByStatus, full.nextMembersAfter]).toEqual([5, { Active: 5 }, null]);
    const all = full.members.map((m) => m.memberId).sort();

    const first = await view('?members=2');
    expect(first.status).toBe(200);
    const cluster = first.body.clusters[0];
    expect([cluster.members.map((m) => m.memberId), cluster.memberCount, cluster.membersByStatus, cluster.nextMembersAfter]).toEqual([all.slice(0, 2), 5, { Active: 5 }, all[1]]);
    const walked = [...cluster.members.map((m) => m.memberId)];
    let after = cluster.nextMembersAfter;
    for (let pages = 0; after && pages < 5; pages++) {
      const next = (await view(`?members=2&cluster=${encodeURIComponent(cluster.clusterId)}&after=${encodeURIComponent(after)}`)).body;
      expect(next.clusters.map((c) => c.clusterId)).toEqual([cluster.clusterId]);
      walked.push(...next.clusters[0].members.map((m) => m.memberId));
      after = next.clusters[0].nextMembersAfter ?? null;
    }
    expect(walked).toEqual(all);
    expect((await view('?members=0')).body.clusters[0]).toMatchObject({ members: [], memberCount: 5, membersByStatus: { Active: 5 } });
  });

  it('refuses bad paging with the parameter it names, and an unknown cluster with a 404', async () => {
    const view = (query: string) => platform.api('GET', `/applications/paged/runtime${query}`);
    const tooMany = await view('?members=5000');
    expect([tooMany.status, tooMany.body.errors]).toEqual([400, [{ path: '?members', message: expect.stringContaining('from 0 to 1000') }]]);
    const lost = await view('?members=2&after=x');
    expect([lost.status, lost.body.errors]).toEqual([400, [{ path: '?after', message: expect.stringContaining('?cluster') }]]);
    const twice = await view('?members=1&members=2');
    expect([twice.status, twice.body.errors]).toEqual([400, [{ path: '?members', message: 'must be given once' }]]);
    const unknown = await view('?members=2&cluster=nope');
    expect([unknown.status, unknown.body.message]).toEqual([404, 'application "paged" has no cluster "nope"']);
  });

  it("keeps a page's counts with the members: read again as soon as a topology event says they changed, not after the cache's 30 s", async () => {
    expect((await view('?members=1')).body.clusters[0]).toMatchObject({ memberCount: 5, membersByStatus: { Active: 5 } }); // now cached
    expect((await platform.api('POST', '/applications/paged/scale', { body: { alias: 'pg-web-1', min: 2, max: 5 } })).status).toBe(200);
    const started = Date.now();
    await until('the page counts 2 members', async () => (await view('?members=1')).body.clusters[0].memberCount === 2, 20_000);
    const page = (await view('?members=1')).body.clusters[0];
    const full = (await view('')).body.clusters[0];
    expect([page.members.length, page.membersByStatus, full.membersByStatus, full.members.length]).toEqual([1, { Active: 2 }, { Active: 2 }, 2]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
