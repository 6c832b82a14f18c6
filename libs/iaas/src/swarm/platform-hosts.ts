/**
 * Where a swarm member reaches the platform (its broker and API), node by node. Most swarms reach
 * it at one address (the host's towards the manager, or STRATOS_SWARM_PLATFORM_HOST); nodes in
 * another network (behind a NAT, over a VPN) say theirs with a node label. Swarm cannot put a
 * node's label into a task's hosts or environment, so the driver chooses the address before
 * Swarm chooses the node: the member is constrained to the nodes that reach the platform at the
 * address it is given — spread over the addresses as Swarm spreads over nodes.
 */
import { isIP } from 'node:net';
import type { SwarmNodeFacts } from '@stratos/contracts';

/** The node label that says where the node's members reach the platform: an IP address. */
export const PLATFORM_HOST_LABEL = 'stratos.platform-host';

export interface PlatformHostChoice {
  platformHost: string;
  /** Constraints that keep the member on nodes reaching the platform there (none where no node has the label). */
  constraints: string[];
}

/** Where a node's members reach the platform: its label, else the swarm's address. Throws for a label that is not an IP address. */
export function platformHostOf(node: SwarmNodeFacts, swarmHost: string): string {
  const labelled = node.labels[PLATFORM_HOST_LABEL]?.trim();
  if (labelled === undefined || labelled === '') return swarmHost;
  if (!isIP(labelled)) throw new Error(`swarm node ${node.hostname}'s label ${PLATFORM_HOST_LABEL}="${labelled}" is not an IP address (docker node update --label-add ${PLATFORM_HOST_LABEL}=<the address its containers reach the platform at> ${node.hostname})`);
  return labelled;
}

/**
 * The address a new member is given and the constraints that hold it to nodes that reach the
 * platform there. `nodes`: every node of the swarm; `eligible`: whether a node may run the member
 * now (Ready, active, meeting its partition's constraints); `running`: the address of each live
 * member of its cluster. The address with the fewest of the cluster's members per eligible node
 * wins (then the one with more nodes, then the lowest), so a cluster spreads over them.
 */
export function choosePlatformHost(nodes: SwarmNodeFacts[], eligible: (node: SwarmNodeFacts) => boolean, swarmHost: string, running: string[]): PlatformHostChoice {
  const hostOf = new Map(nodes.map((node) => [node, platformHostOf(node, swarmHost)]));
  const labelled = [...new Set([...hostOf.values()].filter((host) => host !== swarmHost))].sort();
  if (labelled.length === 0) return { platformHost: swarmHost, constraints: [] };
  const nodesAt = new Map<string, number>();
  for (const node of nodes.filter(eligible)) {
    const host = hostOf.get(node)!;
    nodesAt.set(host, (nodesAt.get(host) ?? 0) + 1);
  }
  const membersAt = (host: string) => running.filter((r) => r === host).length;
  const [chosen] = [...nodesAt.entries()].sort(([a, na], [b, nb]) => membersAt(a) / na - membersAt(b) / nb || nb - na || (a < b ? -1 : a > b ? 1 : 0));
  // No node may run it now: Swarm holds it pending (the driver's launch says so) wherever it is constrained.
  const platformHost = chosen?.[0] ?? swarmHost;
  return { platformHost, constraints: constraintsFor(platformHost, swarmHost, labelled) };
}

/** Swarm's constraints for the nodes that reach the platform at `host` (a node without the label meets `!=`). */
export function constraintsFor(host: string, swarmHost: string, labelled: string[]): string[] {
  const key = `node.labels.${PLATFORM_HOST_LABEL}`;
  return host === swarmHost ? labelled.map((other) => `${key}!=${other}`) : [`${key}==${host}`];
}
