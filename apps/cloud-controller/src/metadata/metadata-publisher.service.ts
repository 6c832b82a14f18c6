import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { brokerTrust, withoutNagle } from '@stratos/runtime';
import mqtt, { type MqttClient } from 'mqtt';
import { ClusterTopics, MemberTopics, safeUrl, type ClusterMetadataMessage, type MemberMetadataMessage, type MetadataTree } from '@stratos/contracts';
import { Database, type ClusterEntity, type StoredSignUp } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { clusterTree, exportedProperties, hostTree, isListed, listedByCluster, type TreeCluster, type TreeDomain, type TreeTenant } from './metadata-tree';

/** Changes that arrive together (a pass launching ten members) make one round of trees. */
const COALESCE_MS = 20;
const ROUND_PAUSE_MAX_MS = 1000;

/** A signed-up tenant as a multi-tenant cluster's members see it: its repository for them without credentials. */
function tenantOf(signUp: StoredSignUp, alias: string, properties: { key: string; values: string[] }[] | undefined): TreeTenant {
  const repository = signUp.artifactRepositories.find((r) => r.alias === alias);
  return {
    tenantId: signUp.tenantId,
    domain: signUp.tenantDomain,
    revision: signUp.revision,
    ...(repository && { artifactsUrl: repository.repoUrl.replace(/\/\/[^/@]*@/, '//'), artifactsRevision: signUp.artifactsRevision }),
    ...(properties && { properties }),
  };
}

/**
 * An application's clusters as its trees see them, from PostgreSQL: their metadata properties and,
 * for multi-tenant clusters, the sign-ups of its active tenants; and the application's own properties.
 */
export async function treeClustersOf(database: Database, applicationId: string): Promise<{ clusters: TreeCluster[]; applicationMetadata: { key: string; values: string[] }[]; domains: TreeDomain[] }> {
  const { byCluster: metadata, byTenant } = await database.metadata.all(applicationId);
  const signUps = await database.signups.ofApplication(applicationId, { activeTenantsOnly: true });
  const clusters = (await database.runtime.clusters(applicationId)).map((row) => ({
    ...treeCluster(row),
    metadata: metadata.get(row.clusterId) ?? [],
    ...(row.spec.multiTenant && { tenants: signUps.map((s) => tenantOf(s, row.alias, byTenant.get(s.tenantId))) }),
  }));
  const domains = (await database.domainMappings.ofApplication(applicationId, { activeTenantsOnly: true })).map((m) => ({
    domainName: m.domainName,
    tenantId: m.tenantId,
    tenantDomain: m.tenantDomain,
    alias: m.cartridgeAlias,
    contextPath: m.contextPath,
  }));
  return { clusters, applicationMetadata: metadata.get('') ?? [], domains };
}

export function treeCluster(row: ClusterEntity): TreeCluster {
  const spec = row.spec;
  const properties = spec.properties ?? {};
  return { ...row, properties, exports: exportedProperties(properties), hasArtifacts: Boolean(spec.artifactRepository) };
}

/**
 * Publishes the members' metadata trees, retained, in two parts (see member-metadata.ts): each
 * cluster's on the cluster's topic, each member's own on the member's, whenever something in
 * one changed. The parts are rebuilt from PostgreSQL for every cluster and member of an
 * application that was touched — a round is linear in the application's size — and sent only
 * where they differ from what was last sent there. A member gets its part once it is launched
 * (it has an address); a terminated member's topic is cleared, and an undeployed cluster's.
 * After a reconnect (the embedded broker keeps retained messages in memory only) everything is
 * sent again.
 */
@Injectable()
export class MetadataPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetadataPublisher.name);
  private client: MqttClient;
  private readonly touched = new Set<string>();
  private readonly forgotten = new Set<string>();
  /** topic → the digest (sha256) of the tree last sent on it. */
  private readonly sent = new Map<string, string>();
  /** applicationId → the clusters whose part was published: the ones gone at the next round are cleared. */
  private readonly clustersOf = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  /** While above 0, changes are collected and published when the last holder lets go. */
  private holds = 0;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastRoundMs = 0;

  constructor(
    private readonly database: Database,
    private readonly settings: ControllerSettings,
    private readonly publisher: TopologyPublisher,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.role === 'standby') return; // the leader publishes the trees
    this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
      ...brokerTrust(this.settings.mqttCaCert),
      clientId: `stratos-cc-metadata-${process.pid}-${randomBytes(3).toString('hex')}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    }));
    this.client.on('connect', () => {
      this.sent.clear();
      void this.touchAll();
    });
    this.client.on('error', (error) => this.logger.warn(`MQTT (${safeUrl(this.settings.mqttUrl)}): ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.flushing;
    await this.client?.endAsync(true);
  }

  /** Something of this application changed: its members' trees are rebuilt shortly. */
  touch(applicationId: string): void {
    if (this.settings.role === 'standby') return this.publisher.askLeader({ touched: [applicationId] });
    this.touched.add(applicationId);
    this.schedule();
  }

  /**
   * Runs `work` (a reconcile pass) with publishing held: what it changes reaches the members as
   * one round of trees, so two members launched in one pass are one change to their peers.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await work();
    } finally {
      this.holds--;
      if (this.holds === 0 && (this.touched.size > 0 || this.forgotten.size > 0)) this.schedule();
    }
  }

  /** The member is gone: its retained tree is cleared. */
  forget(memberId: string, applicationId: string): void {
    this.forgotten.add(memberId);
    this.touch(applicationId);
  }

  private async touchAll(): Promise<void> {
    try {
      for (const deployment of await this.database.runtime.deployments()) this.touched.add(deployment.applicationId);
      this.schedule();
    } catch (error) {
      this.logger.warn(`metadata: listing deployments: ${(error as Error).message}`);
    }
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.holds > 0) return;
    // At least as long as the last round took (at most a second): rounds of a big application, which take a while, fill half the time, not all of it.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(async () => {
        const started = Date.now();
        await this.flush();
        this.lastRoundMs = Date.now() - started;
      });
    }, Math.max(COALESCE_MS, Math.min(this.lastRoundMs, ROUND_PAUSE_MAX_MS)));
  }

  private async flush(): Promise<void> {
    if (!this.client?.connected) {
      // Sent again on connect (touchAll); nothing is lost meanwhile, as the trees are rebuilt from PostgreSQL.
      return;
    }
    const applications = [...this.touched];
    const forgotten = [...this.forgotten];
    this.touched.clear();
    this.forgotten.clear();
    try {
      for (const memberId of forgotten) {
        this.sent.delete(MemberTopics.metadata(memberId));
        await this.client.publishAsync(MemberTopics.metadata(memberId), Buffer.alloc(0), { qos: 1, retain: true });
      }
      for (const applicationId of applications) await this.publishApplication(applicationId);
    } catch (error) {
      this.logger.warn(`metadata not published yet: ${(error as Error).message}`);
      for (const id of applications) this.touched.add(id);
      for (const id of forgotten) this.forgotten.add(id);
      this.schedule();
    }
  }

  private async publishApplication(applicationId: string): Promise<void> {
    const revision = await this.database.metadata.nextRevision();
    const { clusters, applicationMetadata, domains } = await treeClustersOf(this.database, applicationId);
    const members = await this.database.runtime.members({ applicationId });
    const listed = listedByCluster(members);
    // Each cluster's part once, whatever its size; then each member's own (/host), which seldom changes.
    for (const cluster of clusters) {
      const tree = clusterTree(cluster, clusters, listed, applicationMetadata, domains);
      const message: ClusterMetadataMessage = { clusterId: cluster.clusterId, revision, tree };
      await this.publishChanged(ClusterTopics.metadata(cluster.clusterId), tree, message);
    }
    // Clusters of this application that are gone (undeployed): their retained part is cleared.
    const present = new Set(clusters.map((c) => c.clusterId));
    for (const clusterId of this.clustersOf.get(applicationId) ?? []) {
      if (present.has(clusterId)) continue;
      this.sent.delete(ClusterTopics.metadata(clusterId));
      await this.client.publishAsync(ClusterTopics.metadata(clusterId), Buffer.alloc(0), { qos: 1, retain: true });
    }
    if (present.size > 0) this.clustersOf.set(applicationId, present);
    else this.clustersOf.delete(applicationId);
    for (const member of members) {
      if (!isListed(member)) continue;
      const tree = hostTree(member);
      const message: MemberMetadataMessage = { memberId: member.memberId, revision, tree };
      await this.publishChanged(MemberTopics.metadata(member.memberId), tree, message);
    }
  }

  /** Publishes `message` (retained) unless the tree on `topic` is the one last sent there, remembered by its digest. */
  private async publishChanged(topic: string, tree: MetadataTree, message: ClusterMetadataMessage | MemberMetadataMessage): Promise<void> {
    const digest = createHash('sha256').update(JSON.stringify(tree)).digest('base64');
    if (this.sent.get(topic) === digest) return;
    await this.client.publishAsync(topic, JSON.stringify(message), { qos: 1, retain: true });
    this.sent.set(topic, digest);
  }
}
