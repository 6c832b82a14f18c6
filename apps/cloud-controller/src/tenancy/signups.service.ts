import { Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  MemberStatus,
  REDACTED,
  TopologyEventType,
  validateSignUp,
  type SignUpPayload,
  type SignUpRequest,
  type SignUpView,
  type TenantArtifactsAnswer,
} from '@stratos/contracts';
import { Database, type ClusterEntity, type MemberEntity, type StoredSignUp } from '@stratos/persistence';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { SecretBox } from '../secrets/secret-box';
import { TopologyPublisher } from '../topology/topology-publisher.service';

/** The clusters of an application that serve tenants: those of multi-tenant cartridges. */
export const multiTenantClusters = (clusters: ClusterEntity[]) => clusters.filter((c) => c.spec.multiTenant);

/**
 * Sign-ups of tenants to deployed multi-tenant applications. A sign-up reaches the members of
 * the application's multi-tenant clusters through their metadata trees (/tenants/<id>/…); each
 * prepares the tenant and confirms, and the sign-up is Active once every Active member of those
 * clusters confirmed its revision. Repository passwords are sealed at rest and go to a member
 * only when it asks, on its own topic.
 */
@Injectable()
export class SignUpsService {
  private readonly logger = new Logger(SignUpsService.name);

  constructor(
    private readonly database: Database,
    private readonly secrets: SecretBox,
    private readonly topology: TopologyPublisher,
    private readonly metadata: MetadataPublisher,
  ) {}

  async add(request: SignUpRequest): Promise<SignUpView> {
    const { value, errors } = validateSignUp(request.signUp);
    if (errors.length > 0) throw DomainError.invalid('the sign-up is invalid', errors);
    const clusters = await this.servingClusters(request.applicationId);
    const aliases = clusters.map((c) => c.alias);
    const unknown = value.artifactRepositories.map((r, i) => [r, i] as const).filter(([r]) => !aliases.includes(r.alias));
    if (unknown.length > 0) {
      throw DomainError.invalid(
        'a repository names no multi-tenant cartridge of the application',
        unknown.map(([r, i]) => ({ path: `/artifactRepositories/${i}/alias`, message: `"${r.alias}" is not an alias of a multi-tenant cartridge of ${request.applicationId}`, allowed: aliases })),
      );
    }
    const repositories = value.artifactRepositories.map((r) => ({
      ...r,
      ...(r.repoPassword !== undefined && { repoPassword: this.secrets.seal(r.repoPassword) }),
      ...(r.hookSecret !== undefined && { hookSecret: this.secrets.seal(r.hookSecret) }),
    }));
    const event = await this.database.transaction(async (tx) => {
      if (!(await tx.signups.insert({ applicationId: request.applicationId, tenantId: request.tenantId, artifactRepositories: repositories }))) {
        throw DomainError.conflict(`the tenant has signed up to "${request.applicationId}" already (remove the sign-up to sign up again)`);
      }
      const stored = (await tx.signups.find(request.applicationId, request.tenantId))!;
      return tx.topology.append(TopologyEventType.ApplicationSignUpAdded, this.payload(stored, clusters));
    });
    await this.topology.publish(event);
    this.metadata.touch(request.applicationId);
    this.logger.log(`tenant ${event.payload.tenantDomain} signed up to ${request.applicationId} (by "${request.actor.username}")`);
    return this.get(request);
  }

  async get(request: { applicationId: string; tenantId: number }): Promise<SignUpView> {
    const signUp = await this.database.signups.find(request.applicationId, request.tenantId);
    if (!signUp) throw DomainError.notFound(`the tenant has not signed up to "${request.applicationId}"`);
    return this.view(signUp);
  }

  async list(request: { applicationId: string }): Promise<SignUpView[]> {
    return Promise.all((await this.database.signups.ofApplication(request.applicationId)).map((s) => this.view(s)));
  }

  /** The sign-up goes; its members clean the tenant's folder when it leaves their trees. */
  async remove(request: SignUpRequest): Promise<{ status: 'success'; message: string }> {
    const signUp = await this.database.signups.find(request.applicationId, request.tenantId);
    if (!signUp) throw DomainError.notFound(`the tenant has not signed up to "${request.applicationId}"`);
    const clusters = multiTenantClusters(await this.database.runtime.clusters(request.applicationId));
    const event = await this.database.transaction(async (tx) => {
      await tx.signups.delete(request.applicationId, request.tenantId);
      await tx.metadata.clearTenants({ applicationId: request.applicationId, tenantId: request.tenantId });
      return tx.topology.append(TopologyEventType.ApplicationSignUpRemoved, this.payload(signUp, clusters));
    });
    await this.topology.publish(event);
    this.metadata.touch(request.applicationId);
    this.logger.log(`tenant ${signUp.tenantDomain}'s sign-up to ${request.applicationId} removed (by "${request.actor.username}")`);
    return { status: 'success', message: `Application sign up removed successfully: [application] ${request.applicationId}` };
  }

  /**
   * A tenant's state changed (activated, deactivated, deleted): the trees of these applications are
   * rebuilt; a deleted tenant's properties (its sign-ups went with it) are purged.
   */
  async refresh(applicationIds: unknown): Promise<{ applications: number }> {
    const ids = Array.isArray(applicationIds) ? applicationIds.filter((id): id is string => typeof id === 'string') : [];
    await this.database.metadata.clearTenants();
    for (const id of ids) this.metadata.touch(id);
    return { applications: ids.length };
  }

  /** A member prepared a tenant: recorded, and the sign-up is Active once all its members have. */
  async prepared(member: MemberEntity, tenantId: number, revision: number): Promise<void> {
    const signUp = await this.database.signups.find(member.applicationId, tenantId);
    if (!signUp) return; // removed meanwhile
    await this.database.signups.recordPreparation(member.memberId, member.applicationId, tenantId, revision);
    await this.activateIfPrepared(signUp);
  }

  /** A member could not prepare a tenant: kept (the sign-up shows it) until it does. */
  async failed(member: MemberEntity, tenantId: number, revision: number, message: string): Promise<void> {
    if (!(await this.database.signups.find(member.applicationId, tenantId))) return;
    await this.database.signups.recordFailure(member.memberId, member.applicationId, tenantId, revision, message.slice(0, 2048));
  }

  /** Called when members come and go too: a member that left may have been the last one missing. */
  async activateIfPrepared(signUp: StoredSignUp): Promise<void> {
    if (signUp.activeAt) return;
    const clusters = multiTenantClusters(await this.database.runtime.clusters(signUp.applicationId));
    const { ready } = await this.progress(signUp, clusters);
    if (!ready) return;
    const event = await this.database.transaction(async (tx) => {
      if (!(await tx.signups.markActive(signUp.applicationId, signUp.tenantId, signUp.revision))) return null;
      return tx.topology.append(TopologyEventType.ApplicationSignUpActive, this.payload(signUp, clusters));
    });
    if (!event) return;
    await this.topology.publish(event);
    this.logger.log(`tenant ${signUp.tenantDomain}'s sign-up to ${signUp.applicationId} is Active: every member prepared it`);
  }

  /** What a member of `member`'s cluster clones for a tenant, credentials opened: asked by the member itself. */
  async artifactsFor(member: MemberEntity, tenantId: number): Promise<TenantArtifactsAnswer | null> {
    const signUp = await this.database.signups.find(member.applicationId, tenantId);
    if (!signUp) throw new DomainError(ErrorCode.NotFound, `tenant ${tenantId} has no sign-up to ${member.applicationId}`);
    const cluster = (await this.database.runtime.findCluster(member.clusterId))!;
    const repository = signUp.artifactRepositories.find((r) => r.alias === cluster.alias);
    if (!repository) return null;
    return { repoUrl: repository.repoUrl, repoUsername: repository.repoUsername, ...(repository.repoPassword && { repoPassword: this.secrets.open(repository.repoPassword) }) };
  }

  /** The application's multi-tenant clusters, or why it cannot take sign-ups. */
  private async servingClusters(applicationId: string): Promise<ClusterEntity[]> {
    const deployment = await this.database.runtime.findDeployment(applicationId);
    if (!deployment) throw DomainError.conflict(`application "${applicationId}" is not deployed: tenants sign up to deployed applications`);
    const clusters = multiTenantClusters(await this.database.runtime.clusters(applicationId));
    if (clusters.length === 0) {
      throw DomainError.conflict(`application "${applicationId}" has no multi-tenant cartridge: sign-ups are for multi-tenant applications (a single-tenant one is deployed per tenant)`);
    }
    return clusters;
  }

  private async progress(signUp: StoredSignUp, clusters: ClusterEntity[]) {
    const prepared = await this.database.signups.preparations(signUp.applicationId, signUp.tenantId);
    const members = await this.database.runtime.members({ applicationId: signUp.applicationId });
    const isPrepared = (m: MemberEntity) => (prepared.get(m.memberId)?.revision ?? 0) >= signUp.revision;
    const failure = (m: MemberEntity) => (isPrepared(m) ? null : prepared.get(m.memberId)?.failure?.revision === signUp.revision ? prepared.get(m.memberId)!.failure : null);
    const problems: { memberId: string; message: string }[] = [];
    const perCluster = clusters.map((cluster) => {
      const active = members.filter((m) => m.clusterId === cluster.clusterId && m.status === MemberStatus.Active);
      for (const m of active) {
        const failed = failure(m);
        if (failed) problems.push({ memberId: m.memberId, message: failed.message });
      }
      return { clusterId: cluster.clusterId, alias: cluster.alias, activeMembers: active.length, prepared: active.filter(isPrepared).length, failed: active.filter((m) => failure(m) !== null).length };
    });
    // At least one member, all of them prepared: a cluster with none Active serves nobody yet.
    const ready = perCluster.length > 0 && perCluster.every((c) => c.activeMembers > 0 && c.prepared === c.activeMembers);
    return { perCluster, ready, problems };
  }

  private async view(signUp: StoredSignUp): Promise<SignUpView> {
    const clusters = multiTenantClusters(await this.database.runtime.clusters(signUp.applicationId));
    const { perCluster, problems } = await this.progress(signUp, clusters);
    return {
      applicationId: signUp.applicationId,
      tenantId: signUp.tenantId,
      tenantDomain: signUp.tenantDomain,
      status: signUp.activeAt ? 'Active' : 'Pending',
      revision: signUp.revision,
      artifactRepositories: signUp.artifactRepositories.map((r) => ({ ...r, ...(r.repoPassword !== undefined && { repoPassword: REDACTED }), ...(r.hookSecret !== undefined && { hookSecret: REDACTED }) })),
      clusters: perCluster,
      problems,
      clusterIds: clusters.map((c) => c.clusterId),
      createdAt: new Date(signUp.createdAt).toISOString(),
      activeAt: signUp.activeAt ? new Date(signUp.activeAt).toISOString() : null,
    };
  }

  private payload(signUp: StoredSignUp, clusters: ClusterEntity[]): SignUpPayload {
    return { applicationId: signUp.applicationId, tenantId: signUp.tenantId, tenantDomain: signUp.tenantDomain, revision: signUp.revision, clusterIds: clusters.map((c) => c.clusterId) };
  }
}
