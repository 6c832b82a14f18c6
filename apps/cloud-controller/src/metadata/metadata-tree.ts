/**
 * The metadata tree of one member, from what the controller records about its application, in
 * the two parts it is published in: the cluster's (clusterTree, one per cluster) and the member's
 * own (hostTree). Pure: the publisher feeds it rows, the unit tests feed it literals. The shape is
 * QingCloud's (see ARCHITECTURE.md, "Inside a member"):
 *
 *   /host/{member_id,instance_id,ip,sid,cluster_id,partition,network_partition,port/<name>}
 *   /hosts/<member_id>/{member_id,ip,sid,status,port/<name>}   its cluster's members, not Terminated or Lost
 *   /cluster/{cluster_id,application_id,alias,service,size,min,max}
 *   /env/<key>[/<i>]                                         cartridge and subscription properties, metadata properties
 *   /links/<alias>/{hosts/…,cluster/…,env/…}                  the clusters it starts after (their Suspended members left out), and what they export;
 *                                                             inside a group that scales, its own instance's; from outside, every instance's hosts under the one alias
 *   /tenants/<tenant_id>/{domain,revision,artifacts/{url,revision},env/<key>}   multi-tenant clusters: each sign-up of an active tenant, its properties
 *   /domains/<domain>/{tenant_id,tenant_domain,alias,context_path}   every cluster: the active tenants' domain mappings
 */
import { DomainTreeKey, MemberStatus, mergeMetadataTree, SignUpTreeKey, type GroupInstanceRef, type MetadataTree, type PortBinding } from '@stratos/contracts';
import { sees } from '../runtime/group-instances';

export interface TreeMember {
  memberId: string;
  clusterId: string;
  status: MemberStatus;
  sid: number;
  instanceId: string | null;
  host: string | null;
  ports: PortBinding[];
  networkPartitionId: string;
  partitionId: string;
}

export interface TreeCluster {
  clusterId: string;
  applicationId: string;
  alias: string;
  serviceName: string;
  minMembers: number;
  maxMembers: number;
  groupPath: string[];
  /** cartridge.X and group.Y keys of what it starts after. */
  startsAfter: string[];
  /** Group scaling: the instance of its scaling group (absent or null: in none). */
  groupInstance?: GroupInstanceRef | null;
  properties: Record<string, string>;
  /** What it shows the clusters that link to it (/links/<alias>/env/…): nothing else of it is theirs to read. */
  exports: Record<string, string>;
  /** Metadata properties posted for this cluster (Stratos's metadata API): its own /env, and its dependents' /links/<alias>/env. */
  metadata?: { key: string; values: string[] }[];
  /** Where its members clone artifacts from, when they do: its git hooks move the revision (/artifacts/revision). */
  artifactRevision?: number;
  hasArtifacts?: boolean;
  /** Multi-tenant clusters: the tenants signed up to the application, with their repository for this cluster (no credentials). */
  tenants?: TreeTenant[];
}

/** A tenant's domain mapping, as every cluster of the application sees it. */
export interface TreeDomain {
  domainName: string;
  tenantId: number;
  tenantDomain: string;
  alias: string;
  /** "/" or "/path". */
  contextPath: string;
}

export interface TreeTenant {
  tenantId: number;
  domain: string;
  revision: number;
  artifactsUrl?: string;
  /** Moved by a git hook for its repository (/tenants/<id>/artifacts/revision): members pull. */
  artifactsRevision?: number;
  /** The tenant's own metadata properties on the application (/tenants/<id>/env/<key>), written by its admin. */
  properties?: { key: string; values: string[] }[];
}

/** A multi-valued property: the values joined by "," at the key, and each at <key>/<i>. */
function multiValued(prefix: string, property: { key: string; values: string[] }, tree: MetadataTree): void {
  const key = `${prefix}/${segment(property.key)}`;
  tree[key] = property.values.join(',');
  property.values.forEach((value, i) => (tree[`${key}/${i}`] = value));
}

const GONE: MemberStatus[] = [MemberStatus.Terminated, MemberStatus.Lost];

/** Whether a member belongs in its peers' trees: launched (it has an address), and not on its way out. */
export function isListed(member: TreeMember): boolean {
  return member.host !== null && !GONE.includes(member.status);
}

/** A key segment: what a path may not contain is replaced, so a name can never open another branch. */
const segment = (value: string) => value.replace(/\//g, '_');

const portName = (port: PortBinding) => segment(port.name || String(port.port));

function hostKeys(prefix: string, member: TreeMember, tree: MetadataTree): void {
  tree[`${prefix}/member_id`] = member.memberId;
  tree[`${prefix}/ip`] = member.host ?? '';
  tree[`${prefix}/sid`] = String(member.sid);
  tree[`${prefix}/status`] = member.status;
  for (const port of member.ports) tree[`${prefix}/port/${portName(port)}`] = String(port.hostPort);
}

function clusterKeys(prefix: string, cluster: TreeCluster, listed: TreeMember[], tree: MetadataTree): void {
  tree[`${prefix}/cluster/cluster_id`] = cluster.clusterId;
  tree[`${prefix}/cluster/application_id`] = cluster.applicationId;
  tree[`${prefix}/cluster/alias`] = cluster.alias;
  tree[`${prefix}/cluster/service`] = cluster.serviceName;
  tree[`${prefix}/cluster/size`] = String(listed.length);
  tree[`${prefix}/cluster/min`] = String(cluster.minMembers);
  tree[`${prefix}/cluster/max`] = String(cluster.maxMembers);
  for (const member of listed) hostKeys(`${prefix}/hosts/${segment(member.memberId)}`, member, tree);
}

/** The clusters a cluster starts after, each under the alias a template names it by. */
export function linkedClusters(cluster: TreeCluster, clusters: TreeCluster[]): TreeCluster[] {
  const linked = new Map<string, TreeCluster>();
  for (const key of cluster.startsAfter) {
    const dot = key.indexOf('.');
    const [kind, alias] = [key.slice(0, dot), key.slice(dot + 1)];
    for (const c of clusters) {
      if (c.clusterId === cluster.clusterId) continue;
      if ((kind === 'cartridge' ? c.alias === alias : c.groupPath.includes(alias)) && sees(cluster, c)) linked.set(c.clusterId, c);
    }
  }
  return [...linked.values()];
}

/**
 * What a cluster exports, from its properties: Stratos's EXPORT_METADATA_KEYS (or
 * payload_parameter.EXPORT_METADATA_KEYS) names them, comma-separated.
 */
export function exportedProperties(properties: Record<string, string>): Record<string, string> {
  const names = (properties.EXPORT_METADATA_KEYS ?? properties['payload_parameter.EXPORT_METADATA_KEYS'] ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = properties[name] ?? properties[`payload_parameter.${name}`];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The member's own part of its tree (/host): published on its own topic. */
export function hostTree(self: TreeMember): MetadataTree {
  const tree: MetadataTree = {};
  tree['/host/member_id'] = self.memberId;
  tree['/host/instance_id'] = self.instanceId ?? '';
  tree['/host/ip'] = self.host ?? '';
  tree['/host/sid'] = String(self.sid);
  tree['/host/cluster_id'] = self.clusterId;
  tree['/host/partition'] = self.partitionId;
  tree['/host/network_partition'] = self.networkPartitionId;
  for (const port of self.ports) tree[`/host/port/${portName(port)}`] = String(port.hostPort);
  return tree;
}

/** The members of each cluster that belong in trees (isListed), by cluster id: grouped once, not filtered per cluster. */
export function listedByCluster(members: TreeMember[]): Map<string, TreeMember[]> {
  const byCluster = new Map<string, TreeMember[]>();
  for (const member of members) {
    if (!isListed(member)) continue;
    const listed = byCluster.get(member.clusterId);
    if (listed) listed.push(member);
    else byCluster.set(member.clusterId, [member]);
  }
  return byCluster;
}

/** What every member of `cluster` sees alike (all but /host): published once per cluster, on the cluster's topic. */
export function clusterTree(cluster: TreeCluster, clusters: TreeCluster[], listed: Map<string, TreeMember[]>, applicationMetadata: { key: string; values: string[] }[] = [], domains: TreeDomain[] = []): MetadataTree {
  const tree: MetadataTree = {};
  clusterKeys('', cluster, listed.get(cluster.clusterId) ?? [], tree);
  if (cluster.hasArtifacts) tree['/artifacts/revision'] = String(cluster.artifactRevision ?? 0);
  for (const [name, value] of Object.entries(cluster.properties)) tree[`/env/${segment(name)}`] = value;
  for (const tenant of cluster.tenants ?? []) {
    tree[SignUpTreeKey.domain(tenant.tenantId)] = tenant.domain;
    tree[SignUpTreeKey.revision(tenant.tenantId)] = String(tenant.revision);
    if (tenant.artifactsUrl) {
      tree[SignUpTreeKey.artifactsUrl(tenant.tenantId)] = tenant.artifactsUrl;
      tree[SignUpTreeKey.artifactsRevision(tenant.tenantId)] = String(tenant.artifactsRevision ?? 0);
    }
    for (const property of tenant.properties ?? []) multiValued(`/tenants/${tenant.tenantId}/env`, property, tree);
  }
  for (const domain of domains) {
    const name = segment(domain.domainName);
    tree[DomainTreeKey.tenantId(name)] = String(domain.tenantId);
    tree[DomainTreeKey.tenantDomain(name)] = domain.tenantDomain;
    tree[DomainTreeKey.alias(name)] = domain.alias;
    tree[DomainTreeKey.contextPath(name)] = domain.contextPath === '/' ? '' : domain.contextPath;
  }
  for (const property of applicationMetadata) multiValued('/env', property, tree);
  for (const property of cluster.metadata ?? []) multiValued('/env', property, tree);
  // Several clusters under one alias: the instances of a group that scales, seen from outside it (a balancer in front of them all).
  const byAlias = new Map<string, TreeCluster[]>();
  for (const linked of linkedClusters(cluster, clusters)) byAlias.set(linked.alias, [...(byAlias.get(linked.alias) ?? []), linked]);
  for (const [alias, same] of byAlias) {
    same.sort((a, b) => (a.groupInstance?.instance ?? 0) - (b.groupInstance?.instance ?? 0));
    const prefix = `/links/${segment(alias)}`;
    // A suspended member (its tenant deactivated) is out of what other clusters see: no traffic reaches it.
    clusterKeys(prefix, same[0], same.flatMap((linked) => (listed.get(linked.clusterId) ?? []).filter((m) => m.status !== MemberStatus.Suspended)), tree);
    for (const linked of same) {
      for (const [name, value] of Object.entries(linked.exports)) tree[`${prefix}/env/${segment(name)}`] = value;
      for (const property of linked.metadata ?? []) multiValued(`${prefix}/env`, property, tree);
    }
  }
  return tree;
}

/** A member's whole tree, as its agent merges it: its cluster's part and its own. */
export function memberTree(self: TreeMember, clusters: TreeCluster[], members: TreeMember[], applicationMetadata: { key: string; values: string[] }[] = [], domains: TreeDomain[] = []): MetadataTree {
  const cluster = clusters.find((c) => c.clusterId === self.clusterId);
  if (!cluster) throw new Error(`member ${self.memberId}: its cluster ${self.clusterId} is not among the clusters given`);
  return mergeMetadataTree(clusterTree(cluster, clusters, listedByCluster(members), applicationMetadata, domains), hostTree(self));
}
