import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { deploymentKey, DomainError, ErrorCode, metadataPropertySchema, tenantOfDeploymentKey, Topics, validateMetadataProperty, type MemberTreeView, type MetadataPropertyView, type MetadataRemoved } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { ApplicationTokenAccepted, TenantAccessible, type AuthenticatedRequest, type MaybeApplicationRequest } from '../auth/auth.guard';
import { assertMemberVisible } from '../auth/tenant-scope';
import { ControllerClient } from '../controller-client/controller-client.service';
import { swaggerSchema } from '../http/swagger-schema';

/** Where a call's metadata is: the deployment's key and, for cluster paths, the cluster's id. */
interface Scope {
  applicationId: string;
  clusterId?: string;
  /** A tenant's own properties on a shared application it signed up to. */
  tenantId?: number;
}

const propertySchema = swaggerSchema(metadataPropertySchema);

/**
 * Stratos's metadata API, at its paths under /api/metadata: multi-valued properties of a
 * deployed application and of its clusters. Members call it with their application's token
 * (TOKEN in the launch payload), which opens that application's paths and no other's. A tenant's
 * users read the metadata of their tenant's own deployments (its admin writes it), named as the
 * application (`solo`, cluster `solo.db`) or by their keys (`solo~t3`, `solo~t3.db`); the shared
 * deployments they signed up to are the platform's, and so is their metadata.
 */
@ApiTags('metadata')
@ApiBearerAuth()
@Controller('metadata')
export class MetadataController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
  ) {}

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/properties')
  @ApiOperation({ summary: "An application's properties: [{ key, values[] }]" })
  async list(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string): Promise<MetadataPropertyView[]> {
    return this.controller.request(Topics.metadata.list, { actor: { username: '' }, ...(await this.scope(request, 'read', applicationId)) });
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/properties/:name')
  @ApiOperation({ summary: "One of an application's properties" })
  async get(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('name') name: string): Promise<MetadataPropertyView> {
    return this.one(await this.scope(request, 'read', applicationId), name);
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Post('applications/:applicationId/properties')
  @HttpCode(201)
  @ApiBody({ schema: propertySchema })
  @ApiOperation({ summary: 'Add values to a property of the application (a key posted again gets the values it lacks)' })
  async add(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Body() body: unknown): Promise<MetadataPropertyView> {
    return this.write(request, await this.scope(request, 'write', applicationId), body);
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties')
  @ApiOperation({ summary: "Remove all of the application's metadata (its clusters' too)" })
  async clear(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string): Promise<MetadataRemoved> {
    return this.controller.request<MetadataRemoved>(Topics.metadata.remove, { actor: { username: request.caller.username }, ...(await this.scope(request, 'write', applicationId)) });
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties/:name')
  @ApiOperation({ summary: 'Remove a property of the application' })
  async remove(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('name') key: string): Promise<MetadataRemoved> {
    return this.controller.request<MetadataRemoved>(Topics.metadata.remove, { actor: { username: request.caller.username }, ...(await this.scope(request, 'write', applicationId)), key });
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties/:name/value/:value')
  @ApiOperation({ summary: 'Remove one value of a property of the application' })
  async removeValue(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('name') key: string, @Param('value') value: string): Promise<MetadataRemoved> {
    return this.controller.request<MetadataRemoved>(Topics.metadata.remove, { actor: { username: request.caller.username }, ...(await this.scope(request, 'write', applicationId)), key, value });
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/clusters/:clusterId/properties')
  @ApiOperation({ summary: "A cluster's properties" })
  async listCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string): Promise<MetadataPropertyView[]> {
    return this.controller.request(Topics.metadata.list, { actor: { username: '' }, ...(await this.scope(request, 'read', applicationId, clusterId)) });
  }

  /** Stratos answered one cluster property at `cluster/` (singular); both paths work. */
  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Get(['applications/:applicationId/clusters/:clusterId/properties/:name', 'applications/:applicationId/cluster/:clusterId/properties/:name'])
  @ApiOperation({ summary: "One of a cluster's properties" })
  async getCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Param('name') name: string): Promise<MetadataPropertyView> {
    return this.one(await this.scope(request, 'read', applicationId, clusterId), name);
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Post('applications/:applicationId/clusters/:clusterId/properties')
  @HttpCode(201)
  @ApiBody({ schema: propertySchema })
  @ApiOperation({ summary: 'Add values to a property of a cluster (what it exports to the clusters that depend on it)' })
  async addCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Body() body: unknown): Promise<MetadataPropertyView> {
    return this.write(request, await this.scope(request, 'write', applicationId, clusterId), body);
  }

  @TenantAccessible()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/clusters/:clusterId/properties/:name')
  @ApiOperation({ summary: 'Remove a property of a cluster' })
  async removeCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Param('name') key: string): Promise<MetadataRemoved> {
    return this.controller.request<MetadataRemoved>(Topics.metadata.remove, { actor: { username: request.caller.username }, ...(await this.scope(request, 'write', applicationId, clusterId)), key });
  }

  @TenantAccessible()
  @Get('members/:memberId')
  @ApiOperation({ summary: "The whole metadata tree a member sees now (secret-named keys redacted), for debugging (a tenant's users: of its own deployments' members)" })
  async memberTree(@Req() request: AuthenticatedRequest, @Param('memberId') memberId: string): Promise<MemberTreeView> {
    await assertMemberVisible(this.database, request.caller, memberId);
    return this.controller.request(Topics.metadata.memberTree, { memberId });
  }

  /**
   * Whose metadata a call reaches, and whether the caller may: an application's token its own
   * deployment's (the guard checked the path); the platform's users any deployment's (writes: its
   * admins); a tenant's users their tenant's own deployments' only (writes: its admin).
   */
  private async scope(request: MaybeApplicationRequest, access: 'read' | 'write', applicationId: string, clusterId?: string): Promise<Scope> {
    const { caller } = request;
    if (caller.role === 'application') return { applicationId, clusterId };
    if (access === 'write' && caller.role !== 'admin' && caller.role !== 'tenant-admin') {
      throw new DomainError(ErrorCode.Forbidden, `this needs the admin role${caller.tenantId !== null ? " (the tenant's)" : ''}; "${caller.username}" has the role "${caller.role}"`);
    }
    if (caller.tenantId === null) return { applicationId, clusterId };
    // A shared application it signed up to: the tenant's own properties there (its members' /tenants/<id>/env).
    if (clusterId === undefined && (await this.database.signups.find(applicationId, caller.tenantId))) return { applicationId, tenantId: caller.tenantId };
    const own = tenantOfDeploymentKey(applicationId) === caller.tenantId ? applicationId : deploymentKey(applicationId, caller.tenantId);
    const name = own.slice(0, own.lastIndexOf('~t'));
    // Its clusters by their ids (solo~t3.db) or as the application names them (solo.db).
    const cluster = clusterId?.startsWith(`${name}.`) ? `${own}${clusterId.slice(name.length)}` : clusterId;
    return { applicationId: own, clusterId: cluster };
  }

  private async one(scope: Scope, name: string): Promise<MetadataPropertyView> {
    const properties: MetadataPropertyView[] = await this.controller.request(Topics.metadata.list, { actor: { username: '' }, ...scope });
    const found = properties.find((p) => p.key === name);
    if (!found) throw DomainError.notFound(`property "${name}" does not exist in ${scope.clusterId ? `cluster "${scope.clusterId}" of ` : ''}application "${scope.applicationId}"`);
    return found;
  }

  private write(request: MaybeApplicationRequest, scope: Scope, body: unknown): Promise<MetadataPropertyView> {
    const { value, errors } = validateMetadataProperty(body);
    if (errors.length > 0) throw DomainError.invalid('the property is invalid', errors);
    return this.controller.request(Topics.metadata.add, { actor: { username: request.caller.username }, ...scope, property: value });
  }
}
