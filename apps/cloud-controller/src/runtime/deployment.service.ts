import { artifactNamesOf, resolveArtifactImages } from '../image-artifacts/artifact-images';
import { Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ApplicationStatus,
  ClusterStatus,
  DomainError,
  parseArtifactImageRef,
  TopologyEventType,
  type ApplicationDefinition,
  type ApplicationPolicy,
  type CartridgeDefinition,
  deploymentKey,
  tenantOfDeploymentKey,
  type DeployRequest,
  type FieldIssue,
  type OperationAccepted,
  type ClusterView,
  type MemberLogs,
  type MemberLogsRequest,
  type OperationView,
  type ScaleRequest,
  type TopologyEvent,
  type UndeployRequest,
  type UpgradeAccepted,
  type UpgradeRequest,
  ARTIFACT_IMAGE_PREFIX,
  EnvVar,
} from '@stratos/contracts';
import { Database, toClusterView, type ClusterEntity, type Repositories } from '@stratos/persistence';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { deploymentPolicyIds, planDeployment, type ClusterPlan } from './deployment-plan';
import { MemberCredentials } from './member-credentials.service';
import { Reconciler } from './reconciler.service';
import { specChanges } from './rolling-upgrade';
import { baseClusterId, instanceRows, isLeaving } from './group-instances';

/** Deploy and undeploy write desired state (and say so in the topology); the reconciler does the rest. */
@Injectable()
export class DeploymentService {
  private readonly logger = new Logger(DeploymentService.name);
  constructor(
    private readonly database: Database,
    private readonly publisher: TopologyPublisher,
    private readonly drivers: DriverRegistry,
    private readonly reconciler: Reconciler,
    private readonly metadata: MetadataPublisher,
    private readonly credentials: MemberCredentials,
  ) {}

  async deploy(request: DeployRequest): Promise<OperationAccepted> {
    // A tenant's own deployment of a single-tenant application is a deployment of its own: its key, its clusters, its members.
    const key = deploymentKey(request.applicationId, request.tenantId);
    const noIdentity = this.credentials.whyNoIdentity();
    if (noIdentity) throw DomainError.conflict(`application "${request.applicationId}" cannot be deployed: ${noIdentity}`);
    const operationId = randomUUID();
    let placementWarnings: string[] = [];
    const events = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const application = await tx.definitions.findDocument('application', request.applicationId);
      if (!application) throw DomainError.notFound(`application "${request.applicationId}" does not exist`);
      const applicationPolicy = await tx.definitions.findDocument('applicationPolicy', request.policyId);
      if (!applicationPolicy) throw DomainError.notFound(`application policy "${request.policyId}" does not exist`);
      const existing = await tx.runtime.findDeployment(key);
      if (existing) {
        throw DomainError.conflict(`application "${request.applicationId}" is already deployed${request.tenantId !== undefined ? ' for this tenant' : ''} (${existing.status}); undeploy it first`);
      }
      const inputs = await this.gather(tx, application, applicationPolicy);
      const { clusters, errors } = planDeployment({ application: { ...application, applicationId: key }, policy: applicationPolicy, ...inputs, installedDrivers: this.drivers.names() });
      // A cartridge naming an image artifact runs, in each region, that region's copy of it.
      const artifacts = new Map(await Promise.all(artifactNamesOf(clusters).map(async (name) => [name, await tx.artifacts.list(name)] as const)));
      errors.push(...resolveArtifactImages(clusters, artifacts));
      errors.push(...(await this.missingImages(clusters)));
      const placement = await this.unplaceable(clusters);
      errors.push(...placement.errors);
      placementWarnings = placement.warnings;
      if (errors.length > 0) throw DomainError.invalid(`application "${request.applicationId}" cannot be deployed with policy "${request.policyId}"`, errors);
      if (request.tenantId !== undefined && clusters.some((c) => c.spec.multiTenant)) {
        throw DomainError.conflict(`application "${request.applicationId}" has multi-tenant cartridges: its members serve every tenant from one deployment; sign up to it instead (POST /api/applications/${request.applicationId}/signup)`);
      }
      const now = new Date();
      const rows = withMinimumGroupInstances(clusters.map((c) => ({ ...c, applicationId: key, status: ClusterStatus.Created, artifactRevision: 0, revision: 0, desiredMembers: null, createdAt: now })), now);
      if (request.tenantId !== undefined) await this.withinQuota(tx, request.tenantId, { deployments: 1, members: rows.reduce((sum, c) => sum + c.minMembers, 0) });

      await tx.runtime.insertDeployment({
        applicationId: key,
        definitionId: request.applicationId,
        tenantId: request.tenantId ?? null,
        policyId: request.policyId,
        status: ApplicationStatus.Created,
        desired: true,
        force: false,
        operationId,
        metadataToken: `stm_${randomBytes(24).toString('base64url')}`,
        createdAt: now,
        updatedAt: now,
      });
      await tx.runtime.insertClusters(rows);
      await tx.runtime.insertOperation({ operationId, kind: 'deploy', applicationId: key, status: 'running', message: `deploying ${rows.length} cluster(s)`, startedAt: now, finishedAt: null });
      const appended: TopologyEvent[] = [
        await tx.topology.append(TopologyEventType.ApplicationStatusChanged, { applicationId: key, from: null, to: ApplicationStatus.Created, operationId }),
      ];
      for (const row of rows) {
        const { members: _members, ...cluster } = toClusterView(row);
        appended.push(await tx.topology.append(TopologyEventType.ClusterCreated, { applicationId: key, cluster }));
      }
      return appended;
    });
    for (const event of events) await this.publisher.publish(event);
    this.reconciler.kick();
    const warnings = [...placementWarnings, ...((await this.envelopeWarnings()).warnings ?? [])];
    return { operationId, applicationId: key, status: ApplicationStatus.Created, ...(warnings.length && { warnings }) };
  }

  /** A tenant's own deployments grow by `more` only within its quota: else 409 naming the quota, its limit and what it holds. */
  private async withinQuota(tx: Repositories, tenantId: number, more: { deployments: number; members: number }): Promise<void> {
    const tenant = await tx.tenants.findById(tenantId);
    if (!tenant) throw DomainError.notFound(`tenant ${tenantId} does not exist`);
    const usage = await tx.tenants.usage(tenantId);
    for (const [name, limit, used, adding] of [
      ['deployments', tenant.maxDeployments, usage.deployments, more.deployments],
      ['members', tenant.maxMembers, usage.members, more.members],
    ] as const) {
      if (limit !== null && used + adding > limit) {
        throw DomainError.conflict(`the quota of tenant ${tenant.domain} allows ${limit} ${name}; it has ${used}, and this needs ${adding} more`, [
          { path: `/quota/${name}`, message: `${used} + ${adding} is more than ${limit}` },
        ]);
      }
    }
  }

  /** Said at deploy (and logged) when the platform's members will outnumber what the embedded broker carries. */
  private async envelopeWarnings(): Promise<{ warnings?: string[] }> {
    const envelope = this.credentials.embeddedBrokerEnvelope();
    if (envelope === null) return {};
    const members = (await this.database.runtime.allClusters()).reduce((sum, c) => sum + c.minMembers, 0);
    if (members <= envelope) return {};
    const warning = `the platform now wants ${members} members; the embedded broker (aedes) carries about ${envelope} agents at one message a second (measured on 2 cores; ${EnvVar.embeddedBrokerAgents}): set MQTT_URL to Mosquitto (with STRATOS_MQTT_DYNSEC=on) before it grows further`;
    this.logger.warn(warning);
    return { warnings: [warning] };
  }

  async undeploy(request: UndeployRequest): Promise<OperationAccepted> {
    const operationId = randomUUID();
    const event = await this.database.transaction(async (tx) => {
      const deployment = await tx.runtime.lockDeployment(request.applicationId);
      if (!deployment) {
        const exists = await tx.definitions.find('application', request.applicationId);
        throw exists ? DomainError.conflict(`application "${request.applicationId}" is not deployed`) : DomainError.notFound(`application "${request.applicationId}" does not exist`);
      }
      if (!deployment.desired) throw DomainError.conflict(`application "${request.applicationId}" is already being undeployed (operation ${deployment.operationId})`);
      const from = deployment.status;
      await tx.runtime.finishOperation(deployment.operationId, 'failed', 'superseded by an undeploy');
      await tx.runtime.saveDeployment({ ...deployment, desired: false, force: request.force ?? false, status: ApplicationStatus.Terminating, operationId, updatedAt: new Date() });
      await tx.runtime.insertOperation({ operationId, kind: 'undeploy', applicationId: request.applicationId, status: 'running', message: 'undeploying', startedAt: new Date(), finishedAt: null });
      return tx.topology.append(TopologyEventType.ApplicationStatusChanged, { applicationId: request.applicationId, from, to: ApplicationStatus.Terminating, operationId });
    });
    await this.publisher.publish(event);
    this.reconciler.kick();
    return { operationId, applicationId: request.applicationId, status: ApplicationStatus.Terminating };
  }

  /**
   * A deployed application brought to what its definitions say now (a new cartridge version, a new
   * artifact version — `artifact` pins one): each cluster is planned again with the policy it was
   * deployed with; one whose spec differs gets it, with its revision raised, and the reconciler
   * replaces its members one partition at a time, never below its minimum (rolling-upgrade.ts).
   * Its bounds stay as they are (stratos app scale changes them). Refused, before anything
   * changes, where the plan is: a region without the artifact's version, an image not there, a
   * cluster added or removed (undeploy and deploy again for that).
   */
  async upgrade(request: UpgradeRequest): Promise<UpgradeAccepted> {
    const pin = request.artifact === undefined ? null : parseArtifactImageRef(`${ARTIFACT_IMAGE_PREFIX}${request.artifact}`);
    if (request.artifact !== undefined && !pin?.version) {
      throw DomainError.invalid(`"${String(request.artifact)}" is not an artifact version`, [{ path: '/artifact', message: 'must be NAME@VERSION (stratos artifact list)' }]);
    }
    const operationId = randomUUID();
    const { accepted, events } = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const deployment = await tx.runtime.lockDeployment(request.applicationId);
      if (!deployment || !deployment.desired) throw DomainError.notFound(`application "${request.applicationId}" is not deployed`);
      if (deployment.status === ApplicationStatus.Created) throw DomainError.conflict(`application "${request.applicationId}" is still being deployed (operation ${deployment.operationId}): upgrade it once it is Active`);
      const application = await tx.definitions.findDocument('application', deployment.definitionId);
      if (!application) throw DomainError.notFound(`application "${deployment.definitionId}" does not exist`);
      const applicationPolicy = await tx.definitions.findDocument('applicationPolicy', deployment.policyId);
      if (!applicationPolicy) throw DomainError.conflict(`application policy "${deployment.policyId}", which "${request.applicationId}" was deployed with, no longer exists`);
      const inputs = await this.gather(tx, application, applicationPolicy);
      const { clusters: planned, errors } = planDeployment({ application: { ...application, applicationId: request.applicationId }, policy: applicationPolicy, ...inputs, installedDrivers: this.drivers.names() });
      if (pin) {
        const naming = planned.flatMap((c) => c.spec.placements).filter((p) => parseArtifactImageRef(p.imageId)?.name === pin.name);
        if (naming.length === 0) throw DomainError.invalid(`no cartridge of "${request.applicationId}" runs image artifact ${pin.name}`, [{ path: '/artifact', message: `names ${pin.name}, which no cartridge's iaasProvider imageId names (artifact:${pin.name})` }]);
        for (const placement of naming) placement.imageId = `${ARTIFACT_IMAGE_PREFIX}${pin.name}@${pin.version}`;
      }
      const artifacts = new Map(await Promise.all(artifactNamesOf(planned).map(async (name) => [name, await tx.artifacts.list(name)] as const)));
      errors.push(...resolveArtifactImages(planned, artifacts));
      errors.push(...(await this.missingImages(planned)));
      const deployed = await tx.runtime.clusters(request.applicationId);
      // A group instance's clusters are planned as its first instance's.
      const planOf = (d: ClusterEntity) => planned.find((c) => c.clusterId === baseClusterId(d.clusterId));
      const added = planned.filter((c) => !deployed.some((d) => baseClusterId(d.clusterId) === c.clusterId)).map((c) => c.alias);
      const removed = [...new Set(deployed.filter((d) => !planOf(d)).map((d) => d.alias))];
      if (added.length > 0 || removed.length > 0) {
        errors.push({ path: '/components', message: `the application's cartridges changed since it was deployed (${[...added.map((a) => `${a} added`), ...removed.map((a) => `${a} removed`)].join(', ')}): undeploy and deploy it again` });
      }
      if (errors.length > 0) throw DomainError.invalid(`application "${request.applicationId}" cannot be upgraded`, errors);

      const now = new Date();
      const changed: UpgradeAccepted['clusters'] = [];
      const appended: TopologyEvent[] = [];
      for (const cluster of deployed) {
        const plan = planOf(cluster)!;
        const changes = specChanges(cluster.spec, plan.spec);
        if (changes.length === 0) continue;
        const to = cluster.revision + 1;
        await tx.runtime.setClusterSpec(cluster.clusterId, plan.spec, to);
        changed.push({ alias: cluster.alias, clusterId: cluster.clusterId, from: cluster.revision, to, changes });
        appended.push(await tx.topology.append(TopologyEventType.ClusterUpgrading, { applicationId: request.applicationId, clusterId: cluster.clusterId, from: cluster.revision, to, changes, operationId }));
      }
      const message = changed.length === 0 ? 'nothing to upgrade: every cluster runs what its definitions say' : `upgrading ${changed.map((c) => `${c.alias} to revision ${c.to}`).join(', ')}`;
      await tx.runtime.insertOperation({ operationId, kind: 'upgrade', applicationId: request.applicationId, status: changed.length === 0 ? 'succeeded' : 'running', message, startedAt: now, finishedAt: changed.length === 0 ? now : null });
      if (changed.length > 0) {
        // The upgrade is the deployment's operation now: it supersedes an upgrade still running, a later undeploy supersedes it, and the reconciler finishes it.
        await tx.runtime.finishOperation(deployment.operationId, 'failed', `superseded by upgrade ${operationId}`);
        await tx.runtime.saveDeployment({ ...deployment, operationId, updatedAt: now });
      }
      return { accepted: { operationId, applicationId: request.applicationId, status: deployment.status, clusters: changed }, events: appended };
    });
    for (const event of events) await this.publisher.publish(event);
    if (accepted.clusters.length > 0) {
      this.metadata.touch(request.applicationId);
      this.reconciler.kick();
    }
    return accepted;
  }

  /**
   * New bounds for a cluster of a deployed application: the reconciler launches up to the new
   * minimum, or shuts the members of the highest slots down gracefully to it. Refused (400, with
   * the field) when min > max, below 1, or more than the deployment policy's partitions hold.
   */
  async scale(request: ScaleRequest): Promise<ClusterView> {
    const { view, events } = await this.database.transaction(async (tx) => {
      const deployment = await tx.runtime.lockDeployment(request.applicationId);
      if (!deployment || !deployment.desired) throw DomainError.notFound(`application "${request.applicationId}" is not deployed`);
      return this.setBounds(tx, request, '');
    });
    await this.boundsChanged(request.applicationId, events);
    return view;
  }

  /**
   * New bounds inside the caller's transaction (its deployment locked): `scale`, and a PUT of a
   * deployed application whose only change is bounds. `pointer` prefixes the fields named in a refusal.
   */
  async setBounds(tx: Repositories, request: ScaleRequest, pointer: string): Promise<{ view: ClusterView; events: TopologyEvent[] }> {
    const issues: FieldIssue[] = [];
    const field = (name: 'min' | 'max') => (pointer ? `${pointer}/${name === 'min' ? 'cartridgeMin' : 'cartridgeMax'}` : `/${name}`);
    for (const name of ['min', 'max'] as const) {
      const value = request[name];
      if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 1000)) issues.push({ path: field(name), message: 'must be an integer from 1 to 1000' });
    }
    if (request.min === undefined && request.max === undefined) issues.push({ path: pointer, message: 'give min, max or both' });
    if (issues.length) throw DomainError.invalid('the bounds are invalid', issues);
    const clusters = await tx.runtime.clusters(request.applicationId);
    // The subscription's bounds: every instance of its group, where it scales, has them.
    const instances = clusters.filter((c) => c.alias === request.alias && !isLeaving(c));
    const cluster = instances[0];
    if (!cluster) throw DomainError.invalid(`application "${request.applicationId}" has no cartridge subscription "${request.alias}"`, [{ path: pointer || '/alias', message: 'no such alias', allowed: [...new Set(clusters.map((c) => c.alias))] }]);
    const min = request.min ?? cluster.minMembers;
    const max = request.max ?? Math.max(cluster.maxMembers, min);
    if (min > max) throw DomainError.invalid(`min ${min} is more than max ${max}`, [{ path: field(request.min === undefined ? 'max' : 'min'), message: `min (${min}) must not be more than max (${max})` }]);
    const capacity = cluster.spec.placements.reduce((sum, p) => (sum === null || p.partitionMax === null ? null : sum + p.partitionMax), 0 as number | null);
    if (capacity !== null && min > capacity) throw DomainError.invalid(`${min} members do not fit the ${capacity} that deployment policy "${cluster.deploymentPolicy}" allows`, [{ path: field('min'), message: `at most ${capacity}` }]);
    // A tenant's own deployment grows within its quota, whoever grows it (its admin's scale, the platform admin's definition).
    const tenantId = tenantOfDeploymentKey(request.applicationId);
    if (tenantId !== null && min > cluster.minMembers) await this.withinQuota(tx, tenantId, { deployments: 0, members: (min - cluster.minMembers) * instances.length });
    const events: TopologyEvent[] = [];
    for (const instance of instances) {
      await tx.runtime.setClusterBounds(instance.clusterId, { minMembers: min, maxMembers: max });
      events.push(
        await tx.topology.append(TopologyEventType.ClusterScaled, {
          applicationId: request.applicationId,
          clusterId: instance.clusterId,
          from: { min: instance.minMembers, max: instance.maxMembers },
          to: { min, max },
        }),
      );
    }
    const members = await tx.runtime.members({ clusterId: cluster.clusterId });
    return { view: toClusterView({ ...cluster, minMembers: min, maxMembers: max }, members), events };
  }

  /** After the bounds' transaction committed: tell the watchers, the members (/cluster/min, max) and the reconciler. */
  async boundsChanged(applicationId: string, events: TopologyEvent[]): Promise<void> {
    for (const event of events) await this.publisher.publish(event);
    this.metadata.touch(applicationId);
    this.reconciler.kick();
  }

  /** What a member's agent and workload wrote (`stratos member logs`). */
  async memberLogs(request: MemberLogsRequest): Promise<MemberLogs> {
    const member = await this.database.runtime.findMember(request.memberId);
    if (!member) throw DomainError.notFound(`member "${request.memberId}" does not exist (a terminated member's log goes with it)`);
    const driver = this.drivers.get(member.driver);
    if (!driver || !member.instanceId) throw DomainError.conflict(`member "${request.memberId}" has no instance yet`);
    const tailBytes = Math.min(Math.max(1, request.tailBytes ?? 16_384), 4 * 1024 * 1024);
    const logs = await driver.logs(member.instanceId, { tailBytes, cursor: request.cursor });
    return { memberId: member.memberId, ...logs };
  }

  async operation(operationId: string): Promise<OperationView> {
    const row = /^[0-9a-f-]{36}$/i.test(operationId) ? await this.database.runtime.findOperation(operationId) : null;
    if (!row) throw DomainError.notFound(`operation "${operationId}" does not exist`);
    return { ...row, startedAt: row.startedAt.toISOString(), finishedAt: row.finishedAt?.toISOString() ?? null };
  }

  /** A driver that runs images must have the image the cartridge names, before anything starts. */
  private async missingImages(clusters: ClusterPlan[]): Promise<FieldIssue[]> {
    const issues: FieldIssue[] = [];
    const checked = new Map<string, boolean>();
    for (const cluster of clusters) {
      for (const placement of cluster.spec.placements) {
        if (parseArtifactImageRef(placement.imageId)) continue; // an artifact not resolved here was said so already
        const key = `${placement.driver}/${placement.imageId}`;
        if (!checked.has(key)) checked.set(key, (await this.drivers.get(placement.driver)?.imageExists(placement.imageId)) ?? false);
        if (!checked.get(key)) {
          issues.push({ path: `/cartridges/${cluster.spec.cartridgeType}/iaasProvider`, message: `image "${placement.imageId}" is not on the ${placement.driver} engine; build or pull it first (npm run images builds stratos/cartridge-agent)` });
          checked.set(key, true); // once per image
        }
      }
    }
    return issues;
  }

  /**
   * Partitions no node can run a member of now (a driver with nodes: swarm, by the partition's
   * constraints): a cluster none of whose partitions can is refused; one that has others is
   * deployed, with a warning for each that cannot.
   */
  private async unplaceable(clusters: ClusterPlan[]): Promise<{ errors: FieldIssue[]; warnings: string[] }> {
    const errors: FieldIssue[] = [];
    const warnings: string[] = [];
    const checked = new Map<string, string | null>();
    for (const cluster of clusters) {
      const why = await Promise.all(
        cluster.spec.placements.map(async (placement) => {
          const driver = this.drivers.get(placement.driver);
          if (!driver?.unplaceable) return null;
          const key = `${placement.driver}/${(placement.constraints ?? []).join('&')}`;
          if (!checked.has(key)) checked.set(key, await driver.unplaceable(placement.constraints ?? []));
          return checked.get(key)!;
        }),
      );
      const stuck = cluster.spec.placements.map((placement, i) => ({ placement, why: why[i] })).filter((p) => p.why !== null);
      for (const { placement, why: reason } of stuck) {
        const where = `partition "${placement.partitionId}" of network partition "${placement.networkPartitionId}"`;
        if (stuck.length === cluster.spec.placements.length) errors.push({ path: `/networkPartitions/${placement.networkPartitionId}/partitions/${placement.partitionId}/property`, message: `cluster "${cluster.alias}" cannot start a member there: ${reason}` });
        else warnings.push(`cluster "${cluster.alias}": ${where} has no node to run a member on now: ${reason}`);
      }
    }
    return { errors, warnings };
  }

  /** Everything the plan reads, from the same transaction (the definitions are locked). */
  private async gather(tx: Repositories, application: ApplicationDefinition, policy: ApplicationPolicy) {
    const cartridges = new Map<string, CartridgeDefinition>();
    for (const c of [...(application.components.cartridges ?? []), ...collectGroupCartridges(application.components.groups)]) {
      const row = await tx.cartridges.find(c.type);
      if (row) cartridges.set(c.type, row.definition);
    }
    const deploymentPolicies = await tx.definitions.findDocuments('deploymentPolicy', deploymentPolicyIds(application));
    const npIds = new Set([...policy.networkPartitions, ...[...deploymentPolicies.values()].flatMap((d) => d.networkPartitions.map((np) => np.id))]);
    const networkPartitions = await tx.definitions.findDocuments('networkPartition', npIds);
    const groups = await tx.definitions.findDocuments('cartridgeGroup', (application.components.groups ?? []).map((g) => g.name));
    return { cartridges, deploymentPolicies, networkPartitions, groups };
  }
}

/** The planned clusters (each group that scales in its first instance) and the copies its groupMinInstances asks for. */
function withMinimumGroupInstances(rows: ClusterEntity[], now: Date): ClusterEntity[] {
  const copies: ClusterEntity[] = [];
  const groups = new Map<string, ClusterEntity[]>();
  for (const row of rows) if (row.groupInstance) groups.set(row.groupInstance.group, [...(groups.get(row.groupInstance.group) ?? []), row]);
  for (const template of groups.values()) {
    for (let instance = 2; instance <= template[0].groupInstance!.minInstances; instance++) copies.push(...instanceRows(template, instance, now));
  }
  return [...rows, ...copies];
}

function collectGroupCartridges(groups: ApplicationDefinition['components']['groups']): { type: string }[] {
  return (groups ?? []).flatMap((g) => [...(g.cartridges ?? []), ...collectGroupCartridges(g.groups)]);
}
