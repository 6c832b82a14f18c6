/**
 * Every kind of Stratos definition besides cartridges, described once: its REST path and CLI
 * name, its schema, what it references (checked to exist by the controller), and the checks
 * within one document (unique ids, min ≤ max, aliases, startup-order cycles).
 */
import type { JsonSchema } from '../json-schema';
import { validateAgainst, type ValidateOptions, type ValidationResult } from '../validation';
import { applicationSchema, cartridgeGroupSchema } from './application.schema';
import { findStartupCycles, parseAliasLists, type AliasRef, type Findings } from './dependency-graph';
import type {
  ApplicationDefinition,
  ApplicationPolicy,
  AutoscalingPolicy,
  CartridgeGroup,
  CartridgeSubscription,
  DeploymentPolicy,
  GroupSubscription,
  NetworkPartition,
} from './definition-types';
import { applicationPolicySchema, autoscalingPolicySchema, deploymentPolicySchema, networkPartitionSchema } from './policies.schema';
import { nodeConstraintsOf } from '../runtime/node-constraints';
import { definitionKindNames, DEFINITION_KINDS, type DefinitionKindName, type DefinitionKindNames } from './definition-kind-names';

/** Each kind's document type: what a stored definition of that kind is (it passed the kind's schema when written). */
export interface DefinitionOf {
  autoscalingPolicy: AutoscalingPolicy;
  networkPartition: NetworkPartition;
  deploymentPolicy: DeploymentPolicy;
  applicationPolicy: ApplicationPolicy;
  cartridgeGroup: CartridgeGroup;
  application: ApplicationDefinition;
}
/** What a definition can point at: another definition, or a cartridge. */
export type ReferencedKind = DefinitionKindName | 'cartridge';

export interface Reference {
  kind: ReferencedKind;
  id: string;
  /** Where in the referring document. */
  path: string;
}

/** Referenced definitions as stored, for checks that look inside them. */
export type ResolvedReferences = Map<string, unknown>;
export const referenceKey = (kind: ReferencedKind, id: string) => `${kind}/${id}`;

/** "an autoscaling policy", "a deployment policy": a kind's label with its article, for help and summaries. */
export const aLabel = (kind: Pick<DefinitionKind, 'label'>): string => `${/^[aeiou]/i.test(kind.label) ? 'an' : 'a'} ${kind.label}`;

export interface DefinitionKind<T = any> extends DefinitionKindNames {
  schema: JsonSchema;
  references(definition: T): Reference[];
  check(definition: T, found: Findings): void;
  /** Checks that need the referenced definitions (all of which exist when it runs). */
  checkAgainst?(definition: T, resolved: ResolvedReferences, found: Findings): void;
}

function duplicates<V>(items: V[], idOf: (item: V) => string, pathOf: (index: number) => string, what: string, found: Findings): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const id = idOf(item);
    if (seen.has(id)) found.errors.push({ path: pathOf(i), message: `${what} "${id}" appears twice (first at ${pathOf(seen.get(id)!)})` });
    else seen.set(id, i);
  });
}

const autoscalingPolicy: DefinitionKind<AutoscalingPolicy> = {
  ...definitionKindNames.autoscalingPolicy,
  schema: autoscalingPolicySchema,
  references: () => [],
  check(policy, found) {
    if (!Object.keys(policy.loadThresholds ?? {}).length) found.errors.push({ path: '/loadThresholds', message: 'must set at least one of requestsInFlight, memoryConsumption, loadAverage' });
  },
};

const networkPartition: DefinitionKind<NetworkPartition> = {
  ...definitionKindNames.networkPartition,
  schema: networkPartitionSchema,
  references: () => [],
  check(np, found) {
    duplicates(np.partitions, (p) => p.id, (i) => `/partitions/${i}/id`, 'partition', found);
    // Where a partition's members may run, on a provider of several nodes (its zone and constraint properties).
    if (np.provider === 'swarm') np.partitions.forEach((p, i) => found.errors.push(...nodeConstraintsOf(p, `/partitions/${i}`).errors));
  },
};

const deploymentPolicy: DefinitionKind<DeploymentPolicy> = {
  ...definitionKindNames.deploymentPolicy,
  schema: deploymentPolicySchema,
  references: (policy) => policy.networkPartitions.map((np, i) => ({ kind: 'networkPartition', id: np.id, path: `/networkPartitions/${i}/id` })),
  check(policy, found) {
    duplicates(policy.networkPartitions, (np) => np.id, (i) => `/networkPartitions/${i}/id`, 'network partition', found);
    policy.networkPartitions.forEach((np, i) => duplicates(np.partitions, (p) => p.id, (j) => `/networkPartitions/${i}/partitions/${j}/id`, 'partition', found));
  },
  checkAgainst(policy, resolved, found) {
    policy.networkPartitions.forEach((np, i) => {
      const stored = resolved.get(referenceKey('networkPartition', np.id)) as NetworkPartition | undefined;
      const known = stored?.partitions.map((p) => p.id) ?? [];
      np.partitions.forEach((p, j) => {
        if (stored && !known.includes(p.id)) {
          found.errors.push({ path: `/networkPartitions/${i}/partitions/${j}/id`, message: `network partition "${np.id}" has no partition "${p.id}"`, allowed: known });
        }
      });
    });
  },
};

const applicationPolicy: DefinitionKind<ApplicationPolicy> = {
  ...definitionKindNames.applicationPolicy,
  schema: applicationPolicySchema,
  references: (policy) => policy.networkPartitions.map((id, i) => ({ kind: 'networkPartition', id, path: `/networkPartitions/${i}` })),
  check(policy, found) {
    duplicates(policy.networkPartitions, (id) => id, (i) => `/networkPartitions/${i}`, 'network partition', found);
    (policy.properties ?? []).forEach((property, i) => {
      if (property.name !== 'networkPartitionGroups') return;
      for (const id of (property.value ?? '').split(/[|,]/).map((s) => s.trim()).filter(Boolean)) {
        if (!policy.networkPartitions.includes(id)) {
          found.errors.push({ path: `/properties/${i}/value`, message: `networkPartitionGroups names "${id}", which is not in /networkPartitions`, allowed: policy.networkPartitions });
        }
      }
    });
  },
};

function groupCartridges(group: CartridgeGroup, pointer: string): Reference[] {
  return [
    ...(group.cartridges ?? []).map((id, i): Reference => ({ kind: 'cartridge', id, path: `${pointer}/cartridges/${i}` })),
    ...(group.groups ?? []).flatMap((child, i) => groupCartridges(child, `${pointer}/groups/${i}`)),
  ];
}

const cartridgeGroup: DefinitionKind<CartridgeGroup> = {
  ...definitionKindNames.cartridgeGroup,
  schema: cartridgeGroupSchema,
  references: (group) => dedupe(groupCartridges(group, '')),
  check(group, found) {
    const walk = (g: CartridgeGroup, pointer: string) => {
      const { startupOrders } = parseAliasLists(g.dependencies, pointer, found);
      findStartupCycles(startupOrders, found);
      // Siblings must differ; Stratos's own samples nest a group under its own name.
      duplicates(g.groups ?? [], (child) => child.name, (i) => `${pointer}/groups/${i}/name`, 'nested group', found);
      (g.groups ?? []).forEach((child, i) => walk(child, `${pointer}/groups/${i}`));
    };
    walk(group, '');
  },
};

interface AppComponent {
  kind: 'cartridge' | 'group';
  alias: string;
  path: string;
  /** Pointer of the component itself. */
  at: string;
  subscription: CartridgeSubscription | GroupSubscription;
  parentGroup?: GroupSubscription;
}

/** Every cartridge and group of an application, depth first, with its pointer. */
export function applicationComponents(app: ApplicationDefinition): AppComponent[] {
  const out: AppComponent[] = [];
  const walkCartridges = (list: CartridgeSubscription[] | undefined, pointer: string, parentGroup?: GroupSubscription) =>
    (list ?? []).forEach((c, i) => out.push({ kind: 'cartridge', alias: c.subscribableInfo.alias, path: `${pointer}/cartridges/${i}/subscribableInfo/alias`, at: `${pointer}/cartridges/${i}`, subscription: c, parentGroup }));
  const walkGroups = (list: GroupSubscription[] | undefined, pointer: string, parentGroup?: GroupSubscription) =>
    (list ?? []).forEach((g, i) => {
      const at = `${pointer}/groups/${i}`;
      out.push({ kind: 'group', alias: g.alias, path: `${at}/alias`, at, subscription: g, parentGroup });
      walkCartridges(g.cartridges, at, g);
      walkGroups(g.groups, at, g);
    });
  walkCartridges(app.components.cartridges, '/components');
  walkGroups(app.components.groups, '/components');
  return out;
}

const application: DefinitionKind<ApplicationDefinition> = {
  ...definitionKindNames.application,
  schema: applicationSchema,
  references(app) {
    const refs: Reference[] = [];
    for (const component of applicationComponents(app)) {
      if (component.kind === 'cartridge') {
        const c = component.subscription as CartridgeSubscription;
        refs.push({ kind: 'cartridge', id: c.type, path: `${component.at}/type` });
        if (c.subscribableInfo.autoscalingPolicy) refs.push({ kind: 'autoscalingPolicy', id: c.subscribableInfo.autoscalingPolicy, path: `${component.at}/subscribableInfo/autoscalingPolicy` });
        if (c.subscribableInfo.deploymentPolicy) refs.push({ kind: 'deploymentPolicy', id: c.subscribableInfo.deploymentPolicy, path: `${component.at}/subscribableInfo/deploymentPolicy` });
      } else {
        const g = component.subscription as GroupSubscription;
        if (!component.parentGroup) refs.push({ kind: 'cartridgeGroup', id: g.name, path: `${component.at}/name` });
        if (g.deploymentPolicy) refs.push({ kind: 'deploymentPolicy', id: g.deploymentPolicy, path: `${component.at}/deploymentPolicy` });
      }
    }
    return dedupe(refs);
  },
  check(app, found) {
    const components = applicationComponents(app);
    if (components.length === 0) found.errors.push({ path: '/components', message: 'must have at least one cartridge or group' });
    duplicates(components, (c) => c.alias, (i) => components[i].path, 'alias', found);
    for (const component of components) {
      if (component.kind === 'cartridge') {
        const c = component.subscription as CartridgeSubscription;
        if (c.cartridgeMin > c.cartridgeMax) found.errors.push({ path: `${component.at}/cartridgeMin`, message: `must not exceed cartridgeMax (${c.cartridgeMax})` });
      } else {
        const g = component.subscription as GroupSubscription;
        if ((g.groupMinInstances ?? 1) > (g.groupMaxInstances ?? Infinity)) found.errors.push({ path: `${component.at}/groupMinInstances`, message: `must not exceed groupMaxInstances (${g.groupMaxInstances})` });
      }
    }
    const { startupOrders, scalingDependents } = parseAliasLists(app.components.dependencies, '/components', found);
    const known = new Set(components.map((c) => `${c.kind}.${c.alias}`));
    for (const ref of [...startupOrders.flat(), ...scalingDependents.flat()] as AliasRef[]) {
      if (!known.has(`${ref.kind}.${ref.alias}`)) {
        found.errors.push({ path: ref.path, message: `no ${ref.kind} with the alias "${ref.alias}" in this application`, allowed: [...known] });
      }
    }
    findStartupCycles(startupOrders, found);
  },
  checkAgainst(app, resolved, found) {
    // A group of the application must be the group definition it names (or one nested in its
    // parent's), holding only cartridges that definition lists.
    const visit = (subscription: GroupSubscription, definition: CartridgeGroup | undefined, at: string) => {
      if (!definition) return;
      const allowed = definition.cartridges ?? [];
      (subscription.cartridges ?? []).forEach((c, i) => {
        if (!allowed.includes(c.type)) found.errors.push({ path: `${at}/cartridges/${i}/type`, message: `group "${definition.name}" has no cartridge "${c.type}"`, allowed });
      });
      (subscription.groups ?? []).forEach((child, i) => {
        const nested = (definition.groups ?? []).find((g) => g.name === child.name);
        if (!nested) {
          found.errors.push({ path: `${at}/groups/${i}/name`, message: `group "${definition.name}" has no nested group "${child.name}"`, allowed: (definition.groups ?? []).map((g) => g.name) });
        }
        visit(child, nested, `${at}/groups/${i}`);
      });
    };
    (app.components.groups ?? []).forEach((g, i) => visit(g, resolved.get(referenceKey('cartridgeGroup', g.name)) as CartridgeGroup | undefined, `/components/groups/${i}`));
  },
};

function dedupe(refs: Reference[]): Reference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = referenceKey(r.kind, r.id);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const definitionKinds: Record<DefinitionKindName, DefinitionKind> = {
  autoscalingPolicy,
  networkPartition,
  deploymentPolicy,
  applicationPolicy,
  cartridgeGroup,
  application,
};

export function isDefinitionKind(name: string): name is DefinitionKindName {
  return (DEFINITION_KINDS as readonly string[]).includes(name);
}

/** Schema, then the checks within the document; the references are checked by the controller. */
export function validateDefinition<T>(kind: DefinitionKind<T>, input: unknown, options: ValidateOptions = {}): ValidationResult<T> {
  const result = validateAgainst<T>(kind.schema, input, { readOnlyKeys: ['status'], ...options });
  if (result.errors.length > 0) return result;
  const found: Findings = { errors: [], warnings: [] };
  kind.check(result.value, found);
  const warnings = [...result.warnings, ...found.warnings];
  if (options.strict) return { value: result.value, warnings: [], errors: [...found.errors, ...found.warnings.map((w) => ({ ...w, message: `${w.message} (strict mode refuses it)` }))] };
  return { value: result.value, warnings, errors: found.errors };
}
