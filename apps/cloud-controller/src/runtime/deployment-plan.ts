/**
 * From an application and what it references to the clusters a deployment creates: one per
 * cartridge subscription, with its member counts, where its members may go (and through
 * which driver), what it starts after, and what happens when it fails. Pure: no I/O, so it is
 * checked in unit tests and run inside the deploy transaction.
 */
import {
  containerLimits,
  migrationModeIssues,
  parseRegionDriverName,
  regionDriverName,
  regionOf,
  nodeConstraintsOf,
  applicationComponents,
  type ApplicationDefinition,
  type ApplicationPolicy,
  type CartridgeDefinition,
  type CartridgeGroup,
  type CartridgeSubscription,
  type DeploymentPolicy,
  type FieldIssue,
  type GroupSubscription,
  type NetworkPartition,
  type TerminationBehaviour,
  type ClusterSpec,
  type GroupInstanceRef,
  type Placement,
} from '@stratos/contracts';
import { driverNameFor } from '../iaas/provider-table';

export interface ClusterPlan {
  clusterId: string;
  alias: string;
  serviceName: string;
  groupPath: string[];
  minMembers: number;
  maxMembers: number;
  deploymentPolicy: string;
  startsAfter: string[];
  spec: ClusterSpec;
  /** In a group that scales: its first instance (the deploy adds the others up to groupMinInstances). */
  groupInstance: GroupInstanceRef | null;
}

export interface PlanInputs {
  application: ApplicationDefinition;
  policy: ApplicationPolicy;
  cartridges: Map<string, CartridgeDefinition>;
  deploymentPolicies: Map<string, DeploymentPolicy>;
  networkPartitions: Map<string, NetworkPartition>;
  groups: Map<string, CartridgeGroup>;
  installedDrivers: string[];
}

const PAYLOAD_PREFIX = 'payload_parameter.';

function payloadOf(properties: { name: string; value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((properties ?? []).filter((p) => p.name.startsWith(PAYLOAD_PREFIX)).map((p) => [p.name.slice(PAYLOAD_PREFIX.length), p.value ?? '']));
}

/** The deployment policy ids a component needs: its own, or the nearest enclosing group's. */
export function deploymentPolicyIds(app: ApplicationDefinition): string[] {
  const ids = new Set<string>();
  for (const component of applicationComponents(app)) {
    if (component.kind === 'cartridge') {
      const own = (component.subscription as CartridgeSubscription).subscribableInfo.deploymentPolicy;
      if (own) ids.add(own);
    } else if ((component.subscription as GroupSubscription).deploymentPolicy) ids.add((component.subscription as GroupSubscription).deploymentPolicy!);
  }
  return [...ids];
}

export function planDeployment(inputs: PlanInputs): { clusters: ClusterPlan[]; errors: FieldIssue[] } {
  const { application: app, policy } = inputs;
  const errors: FieldIssue[] = [];
  const components = applicationComponents(app);

  // Predecessors of each component, from the application's and its groups' startup orders.
  const predecessors = new Map<string, Set<string>>();
  const addOrders = (orders: { aliases: string[] }[] | undefined) => {
    for (const order of orders ?? []) {
      const refs = order.aliases.flatMap((a) => a.split(',').map((s) => s.trim()).filter(Boolean));
      for (let i = 1; i < refs.length; i++) {
        const set = predecessors.get(refs[i]) ?? new Set<string>();
        set.add(refs[i - 1]);
        predecessors.set(refs[i], set);
      }
    }
  };
  addOrders(app.components.dependencies?.startupOrders);
  const termination = new Map<string, { behaviour: TerminationBehaviour; scope: string }>();
  // Groups that scale (the subscription's groupScalingEnabled, else its definition's), by alias.
  const scaling = new Map<string, Omit<GroupInstanceRef, 'instance'>>();
  const walkGroups = (subs: GroupSubscription[] | undefined, definitions: CartridgeGroup[] | undefined, insideScaling: string | null) => {
    for (const sub of subs ?? []) {
      const definition = (definitions ?? []).find((d) => d.name === sub.name) ?? inputs.groups.get(sub.name);
      addOrders(definition?.dependencies?.startupOrders);
      termination.set(sub.alias, { behaviour: definition?.dependencies?.terminationBehaviour ?? 'terminate-none', scope: `group.${sub.alias}` });
      const at = components.find((c) => c.subscription === sub)?.at ?? '/components';
      let scales = sub.groupScalingEnabled ?? definition?.groupScalingEnabled ?? false;
      if (scales && insideScaling) {
        errors.push({ path: `${at}/groupScalingEnabled`, message: `group "${sub.alias}" is inside group "${insideScaling}", which scales: only the outermost group that scales is the unit added and removed` });
        scales = false;
      } else if (scales && (sub.groupMinInstances ?? 1) < 1) {
        errors.push({ path: `${at}/groupMinInstances`, message: 'must be at least 1 where the group scales (groupScalingEnabled)' });
      }
      if (scales) {
        const minInstances = Math.max(1, sub.groupMinInstances ?? 1);
        scaling.set(sub.alias, { group: sub.alias, minInstances, maxInstances: Math.max(minInstances, sub.groupMaxInstances ?? minInstances) });
      }
      walkGroups(sub.groups, definition?.groups, insideScaling ?? (scales ? sub.alias : null));
    }
  };
  walkGroups(app.components.groups, undefined, null);
  const appTermination = { behaviour: app.components.dependencies?.terminationBehaviour ?? 'terminate-none', scope: 'application' } as const;

  const clusters: ClusterPlan[] = [];
  for (const component of components) {
    if (component.kind !== 'cartridge') continue;
    const subscription = component.subscription as CartridgeSubscription;
    const ancestors: GroupSubscription[] = [];
    for (let parent = component.parentGroup; parent; parent = components.find((c) => c.subscription === parent)?.parentGroup) ancestors.unshift(parent);
    const groupPath = ancestors.map((g) => g.alias);
    const scalingGroup = groupPath.map((alias) => scaling.get(alias)).find((g) => g !== undefined);
    const startsAfter = new Set<string>();
    for (const key of [`cartridge.${subscription.subscribableInfo.alias}`, ...groupPath.map((a) => `group.${a}`)]) for (const p of predecessors.get(key) ?? []) startsAfter.add(p);

    const deploymentPolicyId = subscription.subscribableInfo.deploymentPolicy ?? [...ancestors].reverse().find((g) => g.deploymentPolicy)?.deploymentPolicy;
    const at = component.at;
    if (!deploymentPolicyId) {
      errors.push({ path: `${at}/subscribableInfo/deploymentPolicy`, message: 'no deployment policy: set one here or on an enclosing group' });
      continue;
    }
    const deploymentPolicy = inputs.deploymentPolicies.get(deploymentPolicyId)!;
    const cartridge = inputs.cartridges.get(subscription.type)!;
    const placements: Placement[] = [];
    // The application policy says which network partitions the application uses; the
    // deployment policy, which partitions in each. Those outside the application policy are unused.
    const usable = deploymentPolicy.networkPartitions.filter((np) => policy.networkPartitions.includes(np.id));
    if (usable.length === 0) {
      errors.push({
        path: `${at}/subscribableInfo/deploymentPolicy`,
        message: `deployment policy "${deploymentPolicy.id}" (network partitions ${deploymentPolicy.networkPartitions.map((np) => np.id).join(', ')}) shares none with application policy "${policy.id}"`,
        allowed: policy.networkPartitions,
      });
    }
    for (const np of usable) {
      const partition = inputs.networkPartitions.get(np.id)!;
      const provider = partition.provider;
      const iaas = cartridge.iaasProvider.find((p) => p.type === provider);
      const driver = driverNameFor(provider);
      if (!iaas) {
        errors.push({ path: `${at}/type`, message: `cartridge "${cartridge.type}" has no iaasProvider of type "${provider}" (the provider of network partition "${np.id}")`, allowed: cartridge.iaasProvider.map((p) => p.type) });
      } else if (!driver) {
        errors.push({ path: `${at}/type`, message: `no driver for IaaS type "${provider}" (network partition "${np.id}"): this platform runs docker, swarm, local and mock (→ local)` });
      } else if (!inputs.installedDrivers.includes(driver)) {
        errors.push({ path: `${at}/type`, message: `the ${driver} driver (for "${provider}", network partition "${np.id}") is not available in this controller`, allowed: inputs.installedDrivers });
      } else {
        for (const p of np.partitions) {
          // Each partition runs in its region's engine (its `region` property; none: the default one).
          const defined = partition.partitions.find((d) => d.id === p.id);
          const region = regionOf(defined);
          const constraints = driver === 'swarm' ? nodeConstraintsOf(defined ?? { property: [] }).constraints : [];
          const regional = regionDriverName(driver, region);
          if (!inputs.installedDrivers.includes(regional)) {
            const known = inputs.installedDrivers.filter((name) => parseRegionDriverName(name).driver === driver).map((name) => parseRegionDriverName(name).region);
            errors.push({ path: `${at}/subscribableInfo/deploymentPolicy`, message: `partition "${p.id}" of network partition "${np.id}" is in region "${region}", which has no ${driver} engine in this controller (STRATOS_REGIONS)`, allowed: known });
            continue;
          }
          placements.push({ networkPartitionId: np.id, partitionId: p.id, partitionMax: p.partitionMax ?? null, provider, driver: regional, region, imageId: iaas.imageId, algorithm: np.partitionAlgo ?? 'one-after-another', ...(constraints.length && { constraints }) });
        }
      }
    }
    const capacity = placements.reduce((sum, p) => (sum === null || p.partitionMax === null ? null : sum + p.partitionMax), 0 as number | null);
    if (capacity !== null && placements.length > 0 && subscription.cartridgeMin > capacity) {
      errors.push({ path: `${at}/cartridgeMin`, message: `${subscription.cartridgeMin} members do not fit the ${capacity} that deployment policy "${deploymentPolicyId}" allows` });
    }
    const nearest = groupPath.length ? termination.get(groupPath[groupPath.length - 1])! : appTermination;
    const fromCartridge = containerLimits(cartridge.property ?? [], `/cartridges/${cartridge.type}/property`);
    const fromSubscription = containerLimits([...(cartridge.property ?? []), ...(subscription.subscribableInfo.property ?? [])], '');
    errors.push(...fromCartridge.errors, ...containerLimits(subscription.subscribableInfo.property ?? [], `${at}/subscribableInfo/property`).errors);
    errors.push(...migrationModeIssues(cartridge.property ?? [], `/cartridges/${cartridge.type}/property`), ...migrationModeIssues(subscription.subscribableInfo.property ?? [], `${at}/subscribableInfo/property`));
    clusters.push({
      clusterId: `${app.applicationId}.${subscription.subscribableInfo.alias}`,
      alias: subscription.subscribableInfo.alias,
      serviceName: subscription.type,
      groupPath,
      minMembers: subscription.cartridgeMin,
      maxMembers: subscription.cartridgeMax,
      deploymentPolicy: deploymentPolicyId,
      startsAfter: [...startsAfter],
      spec: {
        cartridgeType: cartridge.type,
        multiTenant: cartridge.multiTenant ?? false,
        ports: (cartridge.portMapping ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
        payload: { ...payloadOf(cartridge.property), ...payloadOf(subscription.subscribableInfo.property) },
        properties: Object.fromEntries([...(cartridge.property ?? []), ...(subscription.subscribableInfo.property ?? [])].map((p) => [p.name, p.value ?? ''])),
        placements,
        ...(subscription.subscribableInfo.autoscalingPolicy ? { autoscalingPolicy: subscription.subscribableInfo.autoscalingPolicy } : {}),
        partitionAlgorithm: deploymentPolicy.networkPartitions[0]?.partitionAlgo ?? 'one-after-another',
        applicationAlgorithm: policy.algorithm,
        volumes: (subscription.subscribableInfo.persistence?.volume ?? cartridge.persistence?.volume ?? []).filter((v) => v.mappingPath).map((v) => ({ id: v.id, mappingPath: v.mappingPath!, removeOnTermination: v.removeOnTermination })),
        termination: nearest,
        limits: fromSubscription.limits, // a subscription's property overrides its cartridge's
        ...(subscription.subscribableInfo.artifactRepository?.repoUrl ? { artifactRepository: { ...subscription.subscribableInfo.artifactRepository, repoUrl: subscription.subscribableInfo.artifactRepository.repoUrl } } : {}),
      },
      groupInstance: scalingGroup ? { ...scalingGroup, instance: 1 } : null,
    });
  }
  return { clusters, errors };
}

/**
 * Where the next member of a cluster goes, given how many each partition holds now.
 * Network partitions: the application policy's algorithm (all-at-once spreads across them,
 * one-after-another fills the first before the next); partitions within one: the deployment
 * policy's (round-robin: the emptiest; one-after-another: the first with room).
 */
export function nextPlacement(spec: ClusterSpec, counts: Map<string, number>): Placement | null {
  const key = (p: Placement) => `${p.networkPartitionId}/${p.partitionId}`;
  const hasRoom = (p: Placement) => p.partitionMax === null || (counts.get(key(p)) ?? 0) < p.partitionMax;
  const byNetwork = new Map<string, Placement[]>();
  for (const p of spec.placements) byNetwork.set(p.networkPartitionId, [...(byNetwork.get(p.networkPartitionId) ?? []), p]);
  const networks = [...byNetwork.entries()].filter(([, ps]) => ps.some(hasRoom));
  if (networks.length === 0) return null;
  const total = (ps: Placement[]) => ps.reduce((n, p) => n + (counts.get(key(p)) ?? 0), 0);
  const [, partitions] = spec.applicationAlgorithm === 'all-at-once' ? networks.reduce((a, b) => (total(b[1]) < total(a[1]) ? b : a)) : networks[0];
  const open = partitions.filter(hasRoom);
  // Each network partition places by its own algorithm (Stratos's partitionAlgo is per network partition).
  if ((partitions[0].algorithm ?? spec.partitionAlgorithm) === 'round-robin') return open.reduce((a, b) => ((counts.get(key(b)) ?? 0) < (counts.get(key(a)) ?? 0) ? b : a));
  return open[0];
}

/**
 * The placements a new member may go to, without those no node can run one of now (`unmet`:
 * a swarm partition whose constraints no Ready node meets) — unless none is met, when all stay:
 * the member then waits for a node, as the deploy's warning said, rather than not being made.
 */
export function withoutUnmet(placements: Placement[], unmet: (placement: Placement) => boolean): Placement[] {
  const met = placements.filter((p) => !unmet(p));
  return met.length > 0 ? met : placements;
}
