/**
 * Which nodes a partition's members may run on, for drivers with more than one node (swarm): a
 * partition's `property` list says it as Stratos partitions said where they were —
 * `{"name": "zone", "value": "a"}` (the nodes labelled `zone=a`), or any number of
 * `{"name": "constraint", "value": "node.labels.disk==ssd"}` in Swarm's own syntax. A partition
 * with neither may use every node. Only a swarm network partition's are read (and checked).
 */
import type { Partition } from '../definitions/definition-types';
import type { FieldIssue } from '../errors';

export const NodeConstraintProperty = { zone: 'zone', constraint: 'constraint' } as const;

/** Swarm's placement constraint syntax: an attribute, == or !=, a value. */
const CONSTRAINT = /^(node\.(id|hostname|role|platform\.os|platform\.arch)|node\.labels\.[A-Za-z0-9_.-]+|engine\.labels\.[A-Za-z0-9_.-]+)\s*(==|!=)\s*[^\s=!]+$/;
const LABEL_VALUE = /^[^\s=!,]+$/;

/** The partition's placement constraints, and what is wrong with them (pointers relative to `at`, the partition's). */
export function nodeConstraintsOf(partition: Pick<Partition, 'property'>, at = ''): { constraints: string[]; errors: FieldIssue[] } {
  const constraints: string[] = [];
  const errors: FieldIssue[] = [];
  (partition.property ?? []).forEach((property, i) => {
    const path = `${at}/property/${i}/value`;
    const value = typeof property.value === 'string' ? property.value.trim() : property.value;
    if (property.name === NodeConstraintProperty.zone) {
      if (typeof value !== 'string' || !LABEL_VALUE.test(value)) errors.push({ path, message: 'zone must be a node label value (no spaces, "=", "!" or ",")' });
      else constraints.push(`node.labels.zone==${value}`);
    } else if (property.name === NodeConstraintProperty.constraint) {
      if (typeof value !== 'string' || !CONSTRAINT.test(value)) {
        errors.push({ path, message: 'constraint must be a Swarm placement constraint: node.labels.NAME==VALUE (or !=), node.hostname, node.id, node.role, node.platform.os/arch, engine.labels.NAME' });
      } else constraints.push(value.replace(/\s+/g, ''));
    }
  });
  return { constraints, errors };
}

/** What placement constraints are matched against: a node as Swarm describes it. */
export interface SwarmNodeFacts {
  id: string;
  hostname: string;
  role: string;
  os?: string;
  arch?: string;
  labels: Record<string, string>;
  engineLabels: Record<string, string>;
}

/** The value a constraint's attribute has on a node; undefined: the node has no such label. */
function attributeOf(node: SwarmNodeFacts, attribute: string): string | undefined {
  if (attribute.startsWith('node.labels.')) return node.labels[attribute.slice('node.labels.'.length)];
  if (attribute.startsWith('engine.labels.')) return node.engineLabels[attribute.slice('engine.labels.'.length)];
  return { 'node.id': node.id, 'node.hostname': node.hostname, 'node.role': node.role, 'node.platform.os': node.os, 'node.platform.arch': node.arch }[attribute];
}

/**
 * Whether a node meets every constraint, as Swarm decides it: values compared without regard to
 * case; `!=` also met by a node without the label. A constraint that is not Swarm's syntax is met
 * by no node (nodeConstraintsOf refuses those first).
 */
export function nodeMatches(node: SwarmNodeFacts, constraints: readonly string[]): boolean {
  return constraints.every((constraint) => {
    const match = /^([^=!]+)(==|!=)(.+)$/.exec(constraint.replace(/\s+/g, ''));
    if (!match) return false;
    const [, attribute, operator, wanted] = match;
    const value = attributeOf(node, attribute);
    const equal = value !== undefined && value.toLowerCase() === wanted.toLowerCase();
    return operator === '==' ? equal : !equal;
  });
}

/** A node in a message: its hostname and labels. */
export function describeNode(node: SwarmNodeFacts): string {
  const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
  return `${node.hostname} (${node.role}${labels.length ? `, ${labels.join(', ')}` : ', no labels'})`;
}
