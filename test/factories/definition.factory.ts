/** Valid Stratos definitions written by this project; override what a test is about. */
export const aNetworkPartition = (overrides: Record<string, unknown> = {}) => ({ id: 'np-1', provider: 'mock', partitions: [{ id: 'p-1' }, { id: 'p-2' }], ...overrides });
export const anAutoscalingPolicy = (overrides: Record<string, unknown> = {}) => ({ id: 'asp-1', loadThresholds: { loadAverage: { threshold: 70 } }, ...overrides });
export const aDeploymentPolicy = (overrides: Record<string, unknown> = {}) => ({
  id: 'dp-1',
  networkPartitions: [{ id: 'np-1', partitionAlgo: 'round-robin', partitions: [{ id: 'p-1', partitionMax: 5 }] }],
  ...overrides,
});
export const anApplicationPolicy = (overrides: Record<string, unknown> = {}) => ({ id: 'ap-1', algorithm: 'one-after-another', networkPartitions: ['np-1'], ...overrides });
export const aCartridgeGroup = (overrides: Record<string, unknown> = {}) => ({ name: 'web-db', cartridges: ['php', 'mysql'], dependencies: { terminationBehaviour: 'terminate-all' }, ...overrides });
export const aSubscription = (type: string, alias: string, overrides: Record<string, unknown> = {}) => ({
  type,
  cartridgeMin: 1,
  cartridgeMax: 3,
  subscribableInfo: { alias, autoscalingPolicy: 'asp-1', deploymentPolicy: 'dp-1' },
  ...overrides,
});
export const anApplication = (overrides: Record<string, unknown> = {}) => ({
  applicationId: 'shop',
  alias: 'shop',
  components: {
    cartridges: [aSubscription('php', 'shop-php')],
    groups: [{ name: 'web-db', alias: 'shop-data', groupMinInstances: 1, groupMaxInstances: 1, cartridges: [aSubscription('mysql', 'shop-mysql')] }],
    dependencies: { startupOrders: [{ aliases: ['group.shop-data', 'cartridge.shop-php'] }], terminationBehaviour: 'terminate-dependents' },
  },
  ...overrides,
});
