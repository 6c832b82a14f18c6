import { aLabel, definitionKinds, validateDefinition } from './definition-kinds';

const { deploymentPolicy, applicationPolicy, cartridgeGroup, application, networkPartition } = definitionKinds;

const anApp = (components: Record<string, unknown>) => ({ applicationId: 'app', alias: 'app', components });
const aCartridge = (type: string, alias: string, extra: Record<string, unknown> = {}) => ({
  type,
  cartridgeMin: 1,
  cartridgeMax: 2,
  subscribableInfo: { alias, autoscalingPolicy: 'asp', deploymentPolicy: 'dp' },
  ...extra,
});

describe('definition kinds', () => {
  it('refuses the pre-4.1 deployment policy keys, naming the keys 4.1 reads', () => {
    const result = validateDefinition(deploymentPolicy, { id: 'dp', networkPartition: [{ id: 'np', partitions: [{ id: 'p', max: 5 }] }] });
    expect(result.errors).toEqual(
      expect.arrayContaining([{ path: '/networkPartition', message: '"networkPartition" is a key of Stratos before 4.1; 4.1 reads "networkPartitions"', allowed: ['networkPartitions'] }]),
    );
    const inner = validateDefinition(deploymentPolicy, { id: 'dp', networkPartitions: [{ id: 'np', partitions: [{ id: 'p', max: 5 }] }] });
    expect(inner.errors).toEqual([{ path: '/networkPartitions/0/partitions/0/max', message: '"max" is a key of Stratos before 4.1; 4.1 reads "partitionMax"', allowed: ['partitionMax'] }]);
  });

  it('names the references of a deployment policy and an application', () => {
    expect(deploymentPolicy.references({ id: 'dp', networkPartitions: [{ id: 'np-1', partitions: [{ id: 'p' }] }] })).toEqual([{ kind: 'networkPartition', id: 'np-1', path: '/networkPartitions/0/id' }]);
    const app = validateDefinition(application, anApp({ groups: [{ name: 'g', alias: 'my-g', deploymentPolicy: 'dp2', cartridges: [aCartridge('php', 'my-php')] }] })).value;
    expect(application.references(app)).toEqual([
      { kind: 'cartridgeGroup', id: 'g', path: '/components/groups/0/name' },
      { kind: 'deploymentPolicy', id: 'dp2', path: '/components/groups/0/deploymentPolicy' },
      { kind: 'cartridge', id: 'php', path: '/components/groups/0/cartridges/0/type' },
      { kind: 'autoscalingPolicy', id: 'asp', path: '/components/groups/0/cartridges/0/subscribableInfo/autoscalingPolicy' },
      { kind: 'deploymentPolicy', id: 'dp', path: '/components/groups/0/cartridges/0/subscribableInfo/deploymentPolicy' },
    ]);
  });

  it('refuses cartridgeMin above cartridgeMax and an alias used twice', () => {
    const result = validateDefinition(application, anApp({ cartridges: [aCartridge('php', 'web', { cartridgeMin: 3 }), aCartridge('tomcat', 'web')] }));
    expect(result.errors).toEqual([
      { path: '/components/cartridges/1/subscribableInfo/alias', message: 'alias "web" appears twice (first at /components/cartridges/0/subscribableInfo/alias)' },
      { path: '/components/cartridges/0/cartridgeMin', message: 'must not exceed cartridgeMax (2)' },
    ]);
  });

  it('refuses a malformed alias', () => {
    expect(validateDefinition(application, anApp({ cartridges: [aCartridge('php', 'my php')] })).errors).toEqual([
      { path: '/components/cartridges/0/subscribableInfo/alias', message: 'must match ^[a-zA-Z0-9][a-zA-Z0-9-_]*$' },
    ]);
  });

  it('refuses a startup-order cycle and an alias that is not in the application', () => {
    const result = validateDefinition(
      application,
      anApp({
        cartridges: [aCartridge('php', 'a'), aCartridge('php', 'b'), aCartridge('php', 'c')],
        dependencies: { startupOrders: [{ aliases: ['cartridge.a', 'cartridge.b'] }, { aliases: ['cartridge.b', 'cartridge.c'] }, { aliases: ['cartridge.c', 'cartridge.a'] }, { aliases: ['group.zz'] }] },
      }),
    );
    expect(result.errors).toEqual([
      { path: '/components/dependencies/startupOrders/3/aliases/0', message: 'no group with the alias "zz" in this application', allowed: ['cartridge.a', 'cartridge.b', 'cartridge.c'] },
      { path: '/components/dependencies/startupOrders/2/aliases/1', message: 'startup orders form a cycle: cartridge.a → cartridge.b → cartridge.c → cartridge.a' },
    ]);
  });

  it('reads two aliases in one string as two, with a warning', () => {
    const result = validateDefinition(application, anApp({ cartridges: [aCartridge('php', 'a'), aCartridge('php', 'b')], dependencies: { scalingDependents: [{ aliases: ['cartridge.a, cartridge.b'] }] } }));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([{ path: '/components/dependencies/scalingDependents/0/aliases/0', message: '"cartridge.a, cartridge.b" holds 2 aliases; read as "cartridge.a", "cartridge.b"' }]);
  });

  it('refuses a cycle in a cartridge group and a bad alias form', () => {
    const result = validateDefinition(cartridgeGroup, {
      name: 'g',
      cartridges: ['php', 'mysql'],
      dependencies: { startupOrders: [{ aliases: ['cartridge.x', 'cartridge.y', 'cartridge.x'] }, { aliases: ['php'] }] },
    });
    expect(result.errors).toEqual([
      { path: '/dependencies/startupOrders/1/aliases/0', message: '"php" must be "cartridge.<alias>" or "group.<alias>"' },
      { path: '/dependencies/startupOrders/0/aliases/2', message: 'startup orders form a cycle: cartridge.x → cartridge.y → cartridge.x' },
    ]);
  });

  it('checks networkPartitionGroups against the policy\'s network partitions', () => {
    const result = validateDefinition(applicationPolicy, { id: 'ap', algorithm: 'all-at-once', networkPartitions: ['np1', 'np2'], properties: [{ name: 'networkPartitionGroups', value: 'np1|np3' }] });
    expect(result.errors).toEqual([{ path: '/properties/0/value', message: 'networkPartitionGroups names "np3", which is not in /networkPartitions', allowed: ['np1', 'np2'] }]);
  });

  it('refuses a network partition with no provider and duplicate partitions', () => {
    expect(validateDefinition(networkPartition, { id: 'np', partitions: [{ id: 'p' }] }).errors).toEqual([{ path: '/provider', message: 'is required' }]);
    expect(validateDefinition(networkPartition, { id: 'np', provider: 'mock', partitions: [{ id: 'p' }, { id: 'p' }] }).errors).toEqual([
      { path: '/partitions/1/id', message: 'partition "p" appears twice (first at /partitions/0/id)' },
    ]);
  });

  it('names each kind with its article, as help texts say it', () => {
    expect(Object.values(definitionKinds).map(aLabel)).toEqual(['an autoscaling policy', 'a network partition', 'a deployment policy', 'an application policy', 'a cartridge group', 'an application']);
  });
});
