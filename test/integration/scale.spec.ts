/**
 * Live bounds: `POST /api/applications/{id}/scale` (stratos app scale) changes a deployed
 * cluster's member bounds without an undeploy. Up: members are launched to the new minimum in
 * the next slots. Down: the highest slots shut down gracefully. Bad bounds are a 400 naming the
 * field, and change nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli';
import { rowCounts } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe('scaling a deployed cluster, live', () => {
  let platform: TestPlatform;
  const scale = (body: unknown, id = 'elastic') => platform.api('POST', `/applications/${id}/scale`, { body });
  const live = async () => (await platform.runtime('elastic')).clusters[0].members;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 4 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'el', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'elastic', components: { cartridges: [aSubscription('el', 'el-1', { cartridgeMin: 1, cartridgeMax: 2 })] } }));
    await platform.post('/applications/elastic/deploy/ap-1', undefined, 202);
    await until('elastic Active', async () => (await platform.runtime('elastic')).status === 'Active');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('grows to the new minimum in the next slots, and shrinks from the highest slot, without an undeploy', async () => {
    const [first] = await live();
    const watch = await platform.watchEvents();
    const up = await scale({ alias: 'el-1', min: 3, max: 4 });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ clusterId: 'elastic.el-1', minMembers: 3, maxMembers: 4 });
    const three = await until('three Active', async () => {
      const now = await live();
      return now.length === 3 && now.every((m) => m.status === 'Active') ? now : undefined;
    });
    expect(three.map((m) => m.sid).sort()).toEqual([1, 2, 3]);
    expect(three.map((m) => m.memberId)).toContain(first.memberId);
    try {
      expect((await scale({ alias: 'el-1', min: 1 })).body).toMatchObject({ minMembers: 1, maxMembers: 4 });
      const one = await until('down to one', async () => {
        const now = await live();
        return now.length === 1 ? now : undefined;
      });
      expect(one.map((m) => m.memberId)).toEqual([first.memberId]);
      // Gracefully: each one that went said it was shutting down.
      for (const gone of three.filter((m) => m.sid > 1)) {
        expect(watch.events.some((e) => e.type === 'MemberStatusChanged' && e.payload.member.memberId === gone.memberId && e.payload.member.status === 'ReadyToShutDown')).toBe(true);
      }
      // Growth asked for is no failure: the cluster and the application stayed Active throughout
      // (a minimum raised over one member up once made them Inactive, and fired termination behaviours).
      expect(watch.events.filter((e) => e.type === 'ClusterStatusChanged' || e.type === 'ApplicationStatusChanged').map((e) => `${e.type} → ${e.payload.to}`)).toEqual([]);
      expect((await platform.runtime('elastic')).status).toBe('Active');
    } finally {
      await watch.close();
    }
  });

  it('takes new bounds from a PUT of the deployed application, and refuses any other change with its pointer', async () => {
    const current = (await platform.api('GET', '/applications/elastic')).body;
    const { status: _status, ...definition } = current;
    const withBounds = (min: number, max: number, extra: Record<string, unknown> = {}) => ({
      ...definition,
      ...extra,
      components: { ...definition.components, cartridges: [{ ...definition.components.cartridges[0], cartridgeMin: min, cartridgeMax: max }] },
    });
    const before = await rowCounts(platform.databaseUrl);
    const refused = await platform.api('PUT', '/applications/elastic', { body: withBounds(2, 3, { alias: 'renamed' }) });
    expect([refused.status, refused.body.errors]).toEqual([409, [{ path: '/alias', message: 'differs from the deployed definition' }]]);
    expect(refused.body.message).toMatch(/only cartridgeMin and cartridgeMax may change while it runs/);
    const tooMany = await platform.api('PUT', '/applications/elastic', { body: withBounds(5, 9) });
    expect([tooMany.status, tooMany.body.errors]).toEqual([400, [{ path: '/components/cartridges/0/cartridgeMin', message: 'at most 4' }]]);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect((await platform.api('GET', '/applications/elastic')).body.status.generation).toBe(current.status.generation);

    const file = join(mkdtempSync(join(tmpdir(), 'elastic-')), 'application.json');
    writeFileSync(file, JSON.stringify(withBounds(2, 3)));
    const { stdout, code } = await runCli(['app', 'update', '-f', file], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken } });
    expect([code, stdout]).toEqual([0, expect.stringContaining('elastic')]);
    const two = await until('two Active after the PUT', async () => {
      const now = await live();
      return now.length === 2 && now.every((m) => m.status === 'Active') ? now : undefined;
    });
    expect(two.map((m) => m.sid).sort()).toEqual([1, 2]);
    expect((await platform.runtime('elastic')).clusters[0]).toMatchObject({ minMembers: 2, maxMembers: 3 });
    expect((await platform.api('GET', '/applications/elastic')).body).toMatchObject({ components: { cartridges: [{ cartridgeMin: 2, cartridgeMax: 3 }] }, status: { generation: current.status.generation + 1 } });
    expect((await scale({ alias: 'el-1', min: 1, max: 4 })).status).toBe(200); // as the next test expects it
    await until('back to one', async () => (await live()).length === 1);
  });

  it("shows a member's log with stratos member logs, and follows it with -f", async () => {
    const [member] = await live();
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
    const shown = await runCli(['member', 'logs', member.memberId], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`agent: member ${member.memberId} of elastic.el-1 connected to the broker`);
    expect(shown.stdout).not.toMatch(/MB_PASSWORD|stm_/);
    // -f prints the tail, then keeps following until stopped.
    const follower = spawn(process.execPath, [join(ROOT, 'bin', 'stratos.js'), 'member', 'logs', member.memberId, '-f', '--tail', '200'], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let followed = '';
    follower.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    await until('the follower prints the tail', async () => followed.length > 0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(follower.exitCode).toBeNull(); // still following
    follower.kill('SIGINT');
    expect(followed.length).toBeLessThanOrEqual(200 + 4096);
    expect((await platform.api('GET', '/members/nobody/logs')).status).toBe(404);
    expect((await platform.api('GET', `/members/${member.memberId}/logs?tail=lots`)).body.errors).toEqual([{ path: '?tail', message: 'must be an integer from 1 to 4194304' }]);
  });

  it('refuses bad bounds with the field, changing nothing', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const cases: [unknown, number, string, string][] = [
      [{ alias: 'el-1', min: 3, max: 2 }, 400, '/min', 'min (3) must not be more than max (2)'],
      [{ alias: 'el-1', min: 0 }, 400, '/min', 'must be an integer from 1 to 1000'],
      [{ alias: 'el-1', min: '2' }, 400, '/min', 'must be an integer from 1 to 1000'],
      [{ alias: 'el-1', min: 5, max: 9 }, 400, '/min', 'at most 4'],
      [{ alias: 'nope', min: 2 }, 400, '/alias', 'no such alias'],
      [{ min: 2 }, 400, '/alias', 'is required (a string)'],
      [{ alias: 'el-1' }, 400, '', 'give min, max or both'],
    ];
    for (const [body, status, path, message] of cases) {
      const response = await scale(body);
      expect([JSON.stringify(body), response.status, response.body.errors?.[0]]).toEqual([JSON.stringify(body), status, expect.objectContaining({ path, message })]);
    }
    expect((await scale({ alias: 'x', min: 1 }, 'not-deployed')).status).toBe(404);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect((await platform.runtime('elastic')).clusters[0]).toMatchObject({ minMembers: 1, maxMembers: 4 });
  });
});
