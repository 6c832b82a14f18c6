import { Injectable } from '@nestjs/common';
import {
  DomainError,
  isSecretName,
  REDACTED,
  validateMetadataProperty,
  type MemberTreeRequest,
  type MemberTreeView,
  type MetadataAddRequest,
  type MetadataPropertyView,
  type MetadataRemoveRequest,
  type MetadataRemoved,
  type MetadataScopeRequest,
} from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { MetadataPublisher, treeClustersOf } from './metadata-publisher.service';
import { memberTree } from './metadata-tree';

/**
 * Stratos's metadata properties of deployed applications (and their clusters): stored in
 * PostgreSQL, and in the metadata trees of the members they concern, which are republished
 * on every change. Undeploying an application clears them.
 */
@Injectable()
export class MetadataRegistry {
  constructor(
    private readonly database: Database,
    private readonly publisher: MetadataPublisher,
  ) {}

  async list(request: MetadataScopeRequest): Promise<MetadataPropertyView[]> {
    await this.checkScope(request);
    return this.database.metadata.list(request);
  }

  async add(request: MetadataAddRequest): Promise<MetadataPropertyView> {
    const { value, errors } = validateMetadataProperty(request.property);
    if (errors.length > 0) throw DomainError.invalid('the property is invalid', errors);
    await this.checkScope(request);
    const stored = await this.database.metadata.add(request, value);
    this.publisher.touch(request.applicationId);
    return stored;
  }

  async remove(request: MetadataRemoveRequest): Promise<MetadataRemoved> {
    await this.checkScope(request);
    let removed: number;
    if (request.key === undefined) removed = request.tenantId !== undefined ? await this.database.metadata.clearTenants({ applicationId: request.applicationId, tenantId: request.tenantId }) : await this.database.metadata.clear(request.applicationId);
    else if (!(await this.database.metadata.remove(request, request.key, request.value))) {
      const what = request.value === undefined ? `property "${request.key}"` : `value "${request.value}" of property "${request.key}"`;
      throw DomainError.notFound(`${what} does not exist in ${request.clusterId ? `cluster "${request.clusterId}" of ` : ''}application "${request.applicationId}"`);
    } else removed = 1;
    this.publisher.touch(request.applicationId);
    return { removed };
  }

  /** The tree a member sees now, for a person debugging it: secret-named keys redacted. */
  async memberTree(request: MemberTreeRequest): Promise<MemberTreeView> {
    const member = await this.database.runtime.findMember(request.memberId);
    if (!member) throw DomainError.notFound(`member "${request.memberId}" does not exist`);
    const { clusters, applicationMetadata, domains } = await treeClustersOf(this.database, member.applicationId);
    const members = await this.database.runtime.members({ applicationId: member.applicationId });
    const tree = memberTree(member, clusters, members, applicationMetadata, domains);
    for (const key of Object.keys(tree)) if (key.split('/').some(isSecretName)) tree[key] = REDACTED;
    return { memberId: member.memberId, applicationId: member.applicationId, clusterId: member.clusterId, tree };
  }

  private async checkScope(request: MetadataScopeRequest): Promise<void> {
    if (!(await this.database.runtime.findDeployment(request.applicationId))) throw DomainError.notFound(`application "${request.applicationId}" is not deployed: metadata lives while it is`);
    if (request.tenantId !== undefined) {
      if (request.clusterId !== undefined) throw DomainError.notFound(`a tenant's properties are its sign-up's, not a cluster's: /metadata/applications/${request.applicationId}/properties`);
      if (!(await this.database.signups.find(request.applicationId, request.tenantId))) throw DomainError.notFound(`the tenant has not signed up to "${request.applicationId}"`);
      return;
    }
    if (request.clusterId === undefined) return;
    const clusters = await this.database.runtime.clusters(request.applicationId);
    if (!clusters.some((c) => c.clusterId === request.clusterId)) {
      throw DomainError.notFound(`application "${request.applicationId}" has no cluster "${request.clusterId}" (its clusters: ${clusters.map((c) => c.clusterId).join(', ')})`);
    }
  }
}
