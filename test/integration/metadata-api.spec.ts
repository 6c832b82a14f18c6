/**
 * Stratos's metadata API (its paths, under /api/metadata) on a deployed application: properties
 * of the application and of its clusters, appended by key, removed by key or value; the
 * application's own token (TOKEN in its members' launch payload) opens its paths only; concurrent
 * writers lose nothing; bad input is a 400 with the pointer; undeploying clears it all. And
 * `stratos metadata get --member` shows a member's whole tree, secrets redacted.
 */
import { launchPayloadOf } from '../support/member-files';
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';


describe("Stratos's metadata API", () => {
  let platform: TestPlatform;
  const api = (method: string, path: string, body?: unknown, token?: string | null) => platform.api(method, `/metadata${path}`, { body, token });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy());
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'md', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }], property: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }));
    for (const id of ['md-a', 'md-b']) {
      await platform.post('/applications', anApplication({ applicationId: id, components: { cartridges: [aSubscription('md', `${id}-x`)] } }));
      await platform.post(`/applications/${id}/deploy/ap-1`, undefined, 202);
      await until(`${id} Active`, async () => (await platform.runtime(id)).status === 'Active');
    }
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('appends values by key, lists, gets and removes them at Stratos\'s paths', async () => {
    expect((await api('POST', '/applications/md-a/properties', { key: 'hosts', values: ['h1', 'h2'] })).status).toBe(201);
    expect((await api('POST', '/applications/md-a/properties', { key: 'hosts', values: ['h2', 'h3'] })).body).toEqual({ key: 'hosts', values: ['h1', 'h2', 'h3'] });
    expect((await api('GET', '/applications/md-a/properties')).body).toEqual([{ key: 'hosts', values: ['h1', 'h2', 'h3'] }]);
    expect((await api('GET', '/applications/md-a/properties/hosts')).body).toEqual({ key: 'hosts', values: ['h1', 'h2', 'h3'] });
    expect((await api('DELETE', '/applications/md-a/properties/hosts/value/h2')).status).toBe(200);
    expect((await api('GET', '/applications/md-a/properties/hosts')).body.values).toEqual(['h1', 'h3']);
    expect((await api('POST', '/applications/md-a/clusters/md-a.md-a-x/properties', { key: 'port', values: ['5432'] })).status).toBe(201);
    // Stratos answered one cluster property at cluster/ (singular) too.
    expect((await api('GET', '/applications/md-a/cluster/md-a.md-a-x/properties/port')).body).toEqual({ key: 'port', values: ['5432'] });
    expect((await api('DELETE', '/applications/md-a/properties/hosts')).status).toBe(200);
    expect((await api('GET', '/applications/md-a/properties/hosts')).body).toMatchObject({ statusCode: 404, message: 'property "hosts" does not exist in application "md-a"' });
  });

  it("accepts the application's own token for its paths only, and refuses an empty or another application's", async () => {
    const member = (await platform.runtime('md-a')).clusters[0].members[0];
    const payload = launchPayloadOf(member.instanceId!);
    expect(payload.TOKEN).toMatch(/^stm_/);
    const own = await api('POST', '/applications/md-a/clusters/md-a.md-a-x/properties', { key: 'exported', values: ['yes'] }, payload.TOKEN);
    expect(own.status).toBe(201);
    expect((await api('GET', '/applications/md-a/clusters/md-a.md-a-x/properties', undefined, payload.TOKEN)).body).toContainEqual({ key: 'exported', values: ['yes'] });
    const other = await api('GET', '/applications/md-b/properties', undefined, payload.TOKEN);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(`this token is application "md-a"'s; it gives no access to application "md-b"`);
    expect((await api('GET', '/applications/md-a/properties', undefined, 'stm_forged')).status).toBe(401);
    expect((await api('GET', '/applications/md-a/properties', undefined, null)).status).toBe(401);
    // The token opens nothing else of the API.
    expect((await platform.api('GET', '/cartridges', { token: payload.TOKEN })).status).toBe(401);
    // And what a member exports reaches its tree.
    await until('the tree shows the export', async () => (await api('GET', `/members/${member.memberId}`)).body.tree['/env/exported'] === 'yes');
  });

  it('loses no value to concurrent writers', async () => {
    const values = Array.from({ length: 40 }, (_, i) => `v${i}`);
    await Promise.all(values.map((v) => api('POST', '/applications/md-b/properties', { key: 'many', values: [v] })));
    expect([...(await api('GET', '/applications/md-b/properties/many')).body.values].sort()).toEqual([...values].sort());
  });

  it('refuses bad input with the pointer, and unknown scopes with a 404, changing nothing', async () => {
    const cases: [unknown, string, string][] = [
      [{ key: 'a/b', values: ['x'] }, '/key', 'must match ^[^/\\u0000-\\u001f]+$'],
      [{ key: 'k', values: [] }, '/values', 'must have at least 1 item'],
      [{ key: 'k', values: ['a\u0000b'] }, '/values/0', 'holds a NUL character (\\u0000) at offset 1'],
      [{ key: 'k', values: 'x' }, '/values', 'must be an array'],
      [{ key: 'k', values: ['x'], extra: 1 }, '/extra', 'unknown key "extra" is ignored (strict mode refuses it)'],
      ['just text', '', 'must be a JSON object, not string'],
    ];
    for (const [body, path, message] of cases) {
      const response = await api('POST', '/applications/md-b/properties', body);
      expect([JSON.stringify(body), response.status, response.body.errors[0]]).toEqual([JSON.stringify(body), 400, expect.objectContaining({ path, message })]);
    }
    expect((await api('POST', '/applications/nope/properties', { key: 'k', values: ['x'] })).body.message).toBe('application "nope" is not deployed: metadata lives while it is');
    expect((await api('POST', '/applications/md-b/clusters/none/properties', { key: 'k', values: ['x'] })).status).toBe(404);
    expect((await api('GET', '/applications/md-b/properties')).body.map((p: { key: string }) => p.key)).toEqual(['many']);
  });

  it('shows a member\'s whole tree with stratos metadata get --member, secrets redacted', async () => {
    const member = (await platform.runtime('md-b')).clusters[0].members[0];
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken };
    const shown = await runCli(['metadata', 'get', '--member', member.memberId], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^/host/member_id\\s+${member.memberId}$`, 'm'));
    expect(shown.stdout).toMatch(/^\/env\/DB_PASSWORD\s+\*{6}$/m);
    expect(shown.stdout).not.toContain('hunter2');
    const json = JSON.parse((await runCli(['metadata', 'get', '--member', member.memberId, '--json'], { env })).stdout);
    expect(json.tree['/env/many']).toContain('v0');
    const usage = await runCli(['metadata', 'get'], { env });
    expect([usage.code, usage.stderr.trim()]).toEqual([2, 'usage: name a member (--member ID) or an application (--app ID)']);
  });

  it('clears an application\'s metadata when it is undeployed', async () => {
    await platform.post('/applications/md-b/undeploy', undefined, 202);
    await until('md-b gone', async () => (await platform.api('GET', '/applications/md-b/runtime')).status === 404);
    await platform.post('/applications/md-b/deploy/ap-1', undefined, 202);
    await until('md-b Active again', async () => (await platform.runtime('md-b')).status === 'Active');
    expect((await api('GET', '/applications/md-b/properties')).body).toEqual([]);
  });
});
