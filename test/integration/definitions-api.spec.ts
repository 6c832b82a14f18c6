/**
 * Policies, partitions, groups and applications at Stratos's REST paths: every reference
 * checked (400 naming the pointer and the missing id), removal of what is used refused (409
 * naming the referrer), secrets redacted; a refused write changes nothing.
 */
import { availableBrokers } from '../support/brokers';
import { rowCounts } from '../support/databases';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';
import { aCartridgeGroup, aDeploymentPolicy, anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aSubscription } from '../factories/definition.factory';

describe.each(availableBrokers())('definitions over %s', (broker) => {
  let platform: TestPlatform;
  const post = (path: string, body: unknown) => platform.api('POST', path, { body });

  beforeAll(async () => {
    platform = await startTestPlatform({ broker });
    for (const type of ['php', 'mysql']) expect((await post('/cartridges', aCartridge({ type }))).status).toBe(201);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('refuses a reference to what does not exist, naming the pointer and the id, and writes nothing', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const response = await post('/deploymentPolicies', aDeploymentPolicy());
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: '/networkPartitions/0/id', message: 'no network partition "np-1" exists' }]);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
  });

  it('builds the chain in Stratos order and reads it back', async () => {
    expect((await post('/networkPartitions', aNetworkPartition())).status).toBe(201);
    expect((await post('/autoscalingPolicies', anAutoscalingPolicy())).status).toBe(201);
    const wrongPartition = await post('/deploymentPolicies', aDeploymentPolicy({ networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p-9' }] }] }));
    expect(wrongPartition.body.errors).toEqual([{ path: '/networkPartitions/0/partitions/0/id', message: 'network partition "np-1" has no partition "p-9"', allowed: ['p-1', 'p-2'] }]);
    expect((await post('/deploymentPolicies', aDeploymentPolicy())).status).toBe(201);
    expect((await post('/applicationPolicies', anApplicationPolicy())).status).toBe(201);
    expect((await post('/cartridgeGroups', aCartridgeGroup())).status).toBe(201);
    const created = await post('/applications', anApplication());
    expect(created.status).toBe(201);
    expect(created.body.definition).toMatchObject({ applicationId: 'shop', status: { generation: 1 } });
    const listed = await platform.api('GET', '/applications');
    expect(listed.body.map((a: { applicationId: string }) => a.applicationId)).toEqual(['shop']);
    expect((await platform.api('GET', '/deploymentPolicies/dp-1')).body.networkPartitions[0].partitions).toEqual([{ id: 'p-1', partitionMax: 5 }]);
  });

  it('refuses an application whose group holds a cartridge its definition does not list', async () => {
    const app = anApplication({ applicationId: 'odd', components: { groups: [{ name: 'web-db', alias: 'odd-data', cartridges: [aSubscription('php', 'odd-php'), aSubscription('mysql', 'odd-mysql')] }] } });
    expect((await post('/cartridgeGroups', aCartridgeGroup({ name: 'db-only', cartridges: ['mysql'] }))).status).toBe(201);
    const response = await post('/applications', { ...app, components: { groups: [{ ...app.components.groups[0], name: 'db-only' }] } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: '/components/groups/0/cartridges/0/type', message: 'group "db-only" has no cartridge "php"', allowed: ['mysql'] }]);
  });

  it.each([
    ['a missing cartridge', anApplication({ applicationId: 'x1', components: { cartridges: [aSubscription('ruby', 'x1-ruby')] } }), [{ path: '/components/cartridges/0/type', message: 'no cartridge "ruby" exists' }]],
    [
      'a missing deployment policy',
      anApplication({ applicationId: 'x2', components: { cartridges: [aSubscription('php', 'x2-php', { subscribableInfo: { alias: 'x2-php', deploymentPolicy: 'nope' } })] } }),
      [{ path: '/components/cartridges/0/subscribableInfo/deploymentPolicy', message: 'no deployment policy "nope" exists' }],
    ],
    ['cartridgeMin above cartridgeMax', anApplication({ applicationId: 'x3', components: { cartridges: [aSubscription('php', 'x3-php', { cartridgeMin: 4 })] } }), [{ path: '/components/cartridges/0/cartridgeMin', message: 'must not exceed cartridgeMax (3)' }]],
    [
      'an alias used twice',
      anApplication({ applicationId: 'x4', components: { cartridges: [aSubscription('php', 'x4'), aSubscription('mysql', 'x4')] } }),
      [{ path: '/components/cartridges/1/subscribableInfo/alias', message: 'alias "x4" appears twice (first at /components/cartridges/0/subscribableInfo/alias)' }],
    ],
    [
      'a startup-order cycle',
      anApplication({
        applicationId: 'x5',
        components: { cartridges: [aSubscription('php', 'x5a'), aSubscription('mysql', 'x5b')], dependencies: { startupOrders: [{ aliases: ['cartridge.x5a', 'cartridge.x5b', 'cartridge.x5a'] }] } },
      }),
      [{ path: '/components/dependencies/startupOrders/0/aliases/2', message: 'startup orders form a cycle: cartridge.x5a → cartridge.x5b → cartridge.x5a' }],
    ],
  ])('refuses an application with %s', async (_name, body, errors) => {
    const before = await rowCounts(platform.databaseUrl);
    const response = await post('/applications', body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(errors);
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
  });

  it('refuses to remove what is still referenced, naming the referrers', async () => {
    const cartridge = await platform.api('DELETE', '/cartridges/php');
    expect(cartridge.status).toBe(409);
    expect(cartridge.body.message).toBe('cartridge "php" is still used by application "shop", cartridge group "web-db"; remove or change those first');
    const partition = await platform.api('DELETE', '/networkPartitions/np-1');
    expect(partition.status).toBe(409);
    expect(partition.body.message).toBe('network partition "np-1" is still used by application policy "ap-1", deployment policy "dp-1"; remove or change those first');
    expect((await platform.api('GET', '/cartridges/php')).status).toBe(200);
  });

  it('updates at /{id} and in Stratos\'s form (PUT on the collection), and removes in reverse order', async () => {
    const updated = await platform.api('PUT', '/autoscalingPolicies', { body: anAutoscalingPolicy({ loadThresholds: { loadAverage: { threshold: 80 } } }) });
    expect(updated.status).toBe(200);
    expect(updated.body.definition).toMatchObject({ loadThresholds: { loadAverage: { threshold: 80 } }, status: { generation: 2 } });
    const renamed = await platform.api('PUT', '/autoscalingPolicies/asp-1', { body: anAutoscalingPolicy({ id: 'asp-2' }) });
    expect(renamed.body.errors).toEqual([{ path: '/id', message: 'must be "asp-1", the id in the path' }]);
    expect((await platform.api('PUT', '/autoscalingPolicies/ghost', { body: anAutoscalingPolicy({ id: 'ghost' }) })).status).toBe(404);
    expect((await platform.api('DELETE', '/applications/shop')).status).toBe(200);
    expect((await platform.api('DELETE', '/applications/shop')).status).toBe(404);
    expect((await platform.api('DELETE', '/cartridgeGroups/web-db')).status).toBe(200);
    expect((await platform.api('DELETE', '/cartridges/php')).status).toBe(200);
  });

  it('keeps an artifact repository password out of every response', async () => {
    const withSecret = anApplication({
      applicationId: 'secret-app',
      components: { cartridges: [aSubscription('mysql', 'sa-mysql', { subscribableInfo: { alias: 'sa-mysql', artifactRepository: { privateRepo: true, repoUrl: 'https://git.example/x', repoPassword: 'hunter2-secret' } } })] },
    });
    const created = await post('/applications', withSecret);
    expect(created.status).toBe(201);
    const got = await platform.api('GET', '/applications/secret-app');
    expect(JSON.stringify([created.body, got.body])).not.toContain('hunter2-secret');
    expect(got.body.components.cartridges[0].subscribableInfo.artifactRepository.repoPassword).toBe('******');
  });

  it('serves each kind\'s JSON Schema', async () => {
    const schema = await platform.api('GET', '/schemas/deploymentPolicy', { token: null });
    expect(schema.status).toBe(200);
    expect(schema.body.properties.networkPartitions.items.properties.partitionAlgo.enum).toEqual(['round-robin', 'one-after-another']);
  });
});
