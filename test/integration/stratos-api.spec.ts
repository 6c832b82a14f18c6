/**
 * The rest of Stratos 4.1's REST surface, replayed with Stratos's own request shapes and HTTP
 * Basic authentication on every call, as its scripts and CLI sent them: PUT on the cartridge
 * collection, the cartridge filters, GET /cluster/{clusterId}, an application's network
 * partitions, and the IaaS providers.
 */
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';

describe("Stratos 4.1's REST surface, with Stratos's request shapes", () => {
  let platform: TestPlatform;
  let basic: Record<string, string>;
  /** As Stratos's clients call: HTTP Basic, no token. */
  const stratos = (method: string, path: string, body?: unknown) => platform.api(method, path, { token: null, headers: basic, body });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    const password = /password=(.*)/.exec((await import('node:fs')).readFileSync(`${platform.home}/admin-credentials`, 'utf8'))![1];
    basic = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
    await platform.post('/networkPartitions', aNetworkPartition({ partitions: [{ id: 'p-1' }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-1', partitionMax: 2 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy());
    await platform.post('/cartridges', aCartridge({ type: 'web', provider: 'apache', multiTenant: 'true', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'db', provider: 'oracle', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    await platform.post('/cartridges', aCartridge({ type: 'lb', category: 'loadbalancer', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('authenticates with HTTP Basic on every call, as Stratos', async () => {
    expect((await stratos('GET', '/init')).body).toMatchObject({ status: 'success', message: 'Successfully authenticated' });
    expect((await stratos('GET', '/cartridges')).status).toBe(200);
  });

  it('updates a cartridge by PUT on the collection, the body naming it', async () => {
    const updated = await stratos('PUT', '/cartridges', aCartridge({ type: 'db', provider: 'oracle', displayName: 'Oracle DB', portMapping: [], iaasProvider: [{ type: 'mock', imageId: 'i' }] }));
    expect([updated.status, updated.body.cartridge.displayName]).toEqual([200, 'Oracle DB']);
    const nameless = await stratos('PUT', '/cartridges', { provider: 'x' });
    expect([nameless.status, nameless.body.errors]).toEqual([400, [{ path: '/type', message: 'is required (it names the cartridge to update)' }]]);
    expect((await stratos('PUT', '/cartridges', aCartridge({ type: 'nothing-like-it' }))).status).toBe(404);
  });

  it("filters cartridges as Stratos did, and refuses a filter it does not know, listing the ones it does", async () => {
    const types = async (path: string) => ((await stratos('GET', path)).body as { type: string }[]).map((c) => c.type).sort();
    expect(await types('/cartridges/filter/multiTenant')).toEqual(['web']);
    expect(await types('/cartridges/filter/singleTenant')).toEqual(['db', 'lb']);
    expect(await types('/cartridges/filter/load-balancer')).toEqual(['lb']);
    expect(await types('/cartridges/filter/provider?criteria=oracle')).toEqual(['db']);
    expect((await stratos('GET', '/cartridges/web/filter/multiTenant')).body.type).toBe('web');
    expect((await stratos('GET', '/cartridges/db/filter/multiTenant')).status).toBe(404);
    const unknown = await stratos('GET', '/cartridges/filter/cheap');
    expect([unknown.status, unknown.body.errors[0].allowed]).toEqual([400, ['singleTenant', 'multiTenant', 'load-balancer', 'provider']]);
  });

  it("lists the IaaS providers with their drivers", async () => {
    const { status, body } = await stratos('GET', '/iaasProviders');
    expect(status).toBe(200);
    expect(body.iaasProviders).toEqual(expect.arrayContaining(['docker', 'local', 'mock']));
    expect(body.providers).toContainEqual({ type: 'mock', driver: 'local', installed: true });
  });

  it("answers a deployed application's network partitions and one cluster by its id; 404 before it is deployed", async () => {
    await platform.post('/applications', anApplication({ applicationId: 'shop', components: { cartridges: [aSubscription('db', 'db-1', { cartridgeMin: 1, cartridgeMax: 1 })] } }));
    const before = await stratos('GET', '/applications/shop/networkPartitions');
    expect([before.status, before.body.message]).toEqual([404, 'application "shop" is not deployed']);
    // As Stratos's CLI: deploy-application -a ID -ap POLICY.
    const env = { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken, STRATOS_CLI_CONFIG: `${platform.home}/no-cli.json` };
    const deployed = await runCli(['deploy-application', '-a', 'shop', '-ap', 'ap-1'], { env });
    expect([deployed.code, deployed.stdout]).toEqual([0, expect.stringMatching(/^deploying shop \(operation /)]);
    await until('shop Active', async () => (await platform.runtime('shop')).status === 'Active');
    expect((await stratos('GET', '/applications/shop/networkPartitions')).body).toEqual({ networkPartitionIds: ['np-1'] });
    const cluster = await stratos('GET', '/cluster/shop.db-1');
    expect([cluster.status, cluster.body.clusterId, cluster.body.serviceName, cluster.body.members.length]).toEqual([200, 'shop.db-1', 'db', 1]);
    expect((await stratos('GET', '/cluster/shop.nothing')).status).toBe(404);
    expect((await runCli(['undeploy-application', '-a', 'shop'], { env })).code).toBe(0);
    await until('shop gone', async () => (await platform.api('GET', '/applications/shop/runtime')).status === 404);
  });
});
