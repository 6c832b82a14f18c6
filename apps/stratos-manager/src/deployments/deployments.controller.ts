import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { deploymentKey, DomainError, parseRuntimePage, RUNTIME_PAGE_MAX_MEMBERS, ErrorCode, tenantOfDeploymentKey, Topics, type ApiResponses, type ApplicationRuntime, type ApplicationStatisticsView, type ClusterView, type DefinitionView, type IaasProviderView, type MemberLogs, type OperationAccepted, type OperationView, type RegionView, type UpgradeAccepted, type MemberMigrationView, type PartitionDrainView, validateMigrationInput } from '@stratos/contracts';
import { Database, MemberCountsCache, readApplicationRuntime } from '@stratos/persistence';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import type { Caller } from '../auth/auth.service';
import { assertMemberVisible } from '../auth/tenant-scope';
import { ControllerClient } from '../controller-client/controller-client.service';

@ApiTags('applications')
@ApiBearerAuth()
@Controller()
export class DeploymentsController {
  constructor(
    private readonly controller: ControllerClient,
    private readonly database: Database,
    private readonly memberCounts: MemberCountsCache,
  ) {}

  /**
   * The deployment a call names: the application's own for the platform's users; for a tenant's
   * admin its tenant's own deployment of it (a single-tenant application deployed per tenant).
   */
  private keyFor(caller: Caller, applicationId: string): string {
    if (caller.tenantId === null) {
      if (caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
      return applicationId;
    }
    if (caller.role !== 'tenant-admin') throw new DomainError(ErrorCode.Forbidden, `only the tenant's admin deploys for it; "${caller.username}" has the role "${caller.role}"`);
    return deploymentKey(applicationId, caller.tenantId);
  }

  @TenantAccessible()
  @Post('applications/:id/deploy/:policyId')
  @HttpCode(202)
  @ApiOperation({ summary: "Deploy an application with an application policy; 202 with an operation to watch. A tenant's admin deploys a single-tenant application for its tenant: a deployment of its own" })
  deploy(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Param('policyId') policyId: string): Promise<OperationAccepted> {
    this.keyFor(request.caller, applicationId);
    const tenantId = request.caller.tenantId ?? undefined;
    return this.controller.request(Topics.applications.deploy, { actor: { username: request.caller.username }, applicationId, policyId, ...(tenantId !== undefined && { tenantId }) });
  }

  @TenantAccessible()
  @Post('applications/:id/undeploy')
  @HttpCode(202)
  @ApiOperation({ summary: "Undeploy: members shut down gracefully (force=true: at once), then clusters go (a tenant's admin: its tenant's own deployment)" })
  @ApiQuery({ name: 'force', required: false })
  undeploy(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Query('force') force?: string): Promise<OperationAccepted> {
    return this.controller.request(Topics.applications.undeploy, { actor: { username: request.caller.username }, applicationId: this.keyFor(request.caller, applicationId), force: force === 'true' });
  }

  @TenantAccessible()
  @Post('applications/:id/scale')
  @HttpCode(200)
  @ApiOperation({ summary: "Change a deployed cluster's member bounds without an undeploy: members are launched up to min, or the highest slots shut down to it" })
  @ApiBody({ schema: { type: 'object', required: ['alias'], properties: { alias: { type: 'string' }, min: { type: 'integer', minimum: 1 }, max: { type: 'integer', minimum: 1 } } } })
  scale(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Body() body: unknown): Promise<ClusterView> {
    const { alias, min, max } = (body ?? {}) as { alias?: unknown; min?: unknown; max?: unknown };
    if (typeof alias !== 'string' || alias === '') throw DomainError.invalid('name the cartridge subscription to scale', [{ path: '/alias', message: 'is required (a string)' }]);
    for (const [field, value] of [['min', min], ['max', max]] as const) {
      if (value !== undefined && typeof value !== 'number') throw DomainError.invalid('the bounds are invalid', [{ path: `/${field}`, message: 'must be an integer from 1 to 1000' }]);
    }
    return this.controller.request(Topics.applications.scale, { actor: { username: request.caller.username }, applicationId: this.keyFor(request.caller, applicationId), alias, min: min as number | undefined, max: max as number | undefined });
  }

  @TenantAccessible()
  @Post('applications/:id/upgrade')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Bring a deployed application to what its definitions say now (a new cartridge or artifact version; `artifact`: NAME@VERSION pins one): clusters whose spec changed get a new revision, and their members are replaced one partition at a time, never below min; 202 with the operation and what changed',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { artifact: { type: 'string', description: 'NAME@VERSION of an image artifact its cartridges run' } } } })
  upgrade(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Body() body: unknown): Promise<UpgradeAccepted> {
    const input = body ?? {};
    if (typeof input !== 'object' || Array.isArray(input)) throw DomainError.invalid('the body must be an object: {artifact?}', [{ path: '', message: 'must be an object' }]);
    const unknown = Object.keys(input).filter((k) => k !== 'artifact');
    if (unknown.length > 0) throw DomainError.invalid('the body has fields an upgrade does not take', unknown.map((k) => ({ path: `/${k}`, message: 'is not a field of an upgrade', allowed: ['artifact'] })));
    const { artifact } = input as { artifact?: unknown };
    if (artifact !== undefined && typeof artifact !== 'string') throw DomainError.invalid('artifact must be NAME@VERSION', [{ path: '/artifact', message: 'must be a string: NAME@VERSION' }]);
    return this.controller.request(Topics.applications.upgrade, { actor: { username: request.caller.username }, applicationId: this.keyFor(request.caller, applicationId), ...(artifact !== undefined ? { artifact } : {}) });
  }

  @AdminOnly()
  @Post('members/:memberId/migrate')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Move a member to another partition of its deployment policy, in its region or another of the same driver (cold: it stops, its volumes\' data is copied, it starts there with the same id, slot and metadata); 202 with the migration, then MemberMigration events (Stopping, Copying, Starting, Done with the downtime, or RollingBack and Failed with the reason: the member runs on the source again)',
  })
  @ApiBody({ schema: { type: 'object', required: ['to'], properties: { to: { type: 'string', description: 'PARTITION or NETWORK_PARTITION/PARTITION' }, mode: { type: 'string', enum: ['cold', 'live'], description: "none: the cartridge's migration.mode property, else cold" } } } })
  migrate(@Req() request: AuthenticatedRequest, @Param('memberId') memberId: string, @Body() body: unknown): Promise<MemberMigrationView> {
    const { value, errors } = validateMigrationInput(body ?? {});
    if (!value) throw DomainError.invalid('the migration is invalid', errors);
    return this.controller.request(Topics.applications.migrate, { actor: { username: request.caller.username }, memberId, input: value });
  }

  @AdminOnly()
  @Get('migrations/:id')
  @ApiOperation({ summary: "A member's migration: its phase, the data copied, the downtime once Done, why it Failed" })
  migration(@Param('id') migrationId: string): Promise<MemberMigrationView> {
    return this.controller.request(Topics.applications.migration, { migrationId });
  }

  @AdminOnly()
  @Post('networkPartitions/:networkPartitionId/partitions/:partitionId/drain')
  @HttpCode(202)
  @ApiOperation({ summary: 'Empty a partition for maintenance: closed to new members at once (cordoned, until uncordoned), then each of its members migrated, one at a time, to an open partition of its policy with room; 202 with the drain, each member’s target and phase' })
  drain(@Req() request: AuthenticatedRequest, @Param('networkPartitionId') networkPartitionId: string, @Param('partitionId') partitionId: string): Promise<PartitionDrainView> {
    return this.controller.request(Topics.applications.drain, { actor: { username: request.caller.username }, networkPartitionId, partitionId });
  }

  @AdminOnly()
  @Get('networkPartitions/:networkPartitionId/partitions/:partitionId/drain')
  @ApiOperation({ summary: "A partition's drain since the cloud controller started: whether it is cordoned, each member's target and migration phase, or why it stays" })
  drainStatus(@Param('networkPartitionId') networkPartitionId: string, @Param('partitionId') partitionId: string): Promise<PartitionDrainView> {
    return this.controller.request(Topics.applications.drainStatus, { networkPartitionId, partitionId });
  }

  @AdminOnly()
  @Delete('networkPartitions/:networkPartitionId/partitions/:partitionId/drain')
  @ApiOperation({ summary: 'Open a cordoned partition to new members again (stratos partition uncordon)' })
  uncordon(@Param('networkPartitionId') networkPartitionId: string, @Param('partitionId') partitionId: string): Promise<{ networkPartitionId: string; partitionId: string; cordoned: false }> {
    return this.controller.request(Topics.applications.uncordon, { networkPartitionId, partitionId });
  }

  @TenantAccessible()
  @Get('members/:memberId/logs')
  @ApiOperation({ summary: "What a member's agent and workload wrote: the last ?tail bytes (default 16384), or what came after ?cursor (a tenant's users: its own deployments' members)" })
  @ApiQuery({ name: 'tail', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async memberLogs(@Req() request: AuthenticatedRequest, @Param('memberId') memberId: string, @Query('tail') tail?: string, @Query('cursor') cursor?: string): Promise<MemberLogs> {
    await assertMemberVisible(this.database, request.caller, memberId);
    if (tail !== undefined && !/^\d{1,8}$/.test(tail)) throw DomainError.invalid('tail must be a number of bytes', [{ path: '?tail', message: 'must be an integer from 1 to 4194304' }]);
    if (cursor !== undefined && !/^\d{1,20}$/.test(cursor)) throw DomainError.invalid('cursor must be one an earlier answer gave', [{ path: '?cursor', message: 'must be a cursor from an earlier answer' }]);
    return this.controller.request(Topics.applications.memberLogs, { memberId, tailBytes: tail === undefined ? undefined : Number(tail), cursor });
  }

  @TenantAccessible()
  @Get('applications/:id/runtime')
  @ApiOperation({ summary: "The deployed application: clusters, members, states, addresses and ports, and each cluster's member count by state (a tenant's users: of an application it signed up to). `?members=N` lists at most N members per cluster (member id order); a cluster cut short names the `nextMembersAfter` that `?cluster=…&after=…&members=N` continues from" })
  @ApiQuery({ name: 'members', required: false, description: `members listed per cluster, 0 to ${RUNTIME_PAGE_MAX_MEMBERS} (default: all)` })
  @ApiQuery({ name: 'cluster', required: false, description: 'one cluster only (with members)' })
  @ApiQuery({ name: 'after', required: false, description: "that cluster's members after this member id (its nextMembersAfter)" })
  async runtime(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Query() query: Record<string, unknown>): Promise<ApplicationRuntime> {
    const { page, issues } = parseRuntimePage(query);
    if (issues.length > 0) throw DomainError.invalid('the runtime view cannot be paged so', issues);
    return readApplicationRuntime(this.database, await this.deploymentOf(request, applicationId), page, this.memberCounts);
  }

  @TenantAccessible()
  @Get('applications/:id/statistics')
  @ApiOperation({ summary: "What the autoscaler sees of the deployed application: per cluster its bounds, policy thresholds, the requests in flight its load balancers report, each member's statistics window with Stratos's prediction, the last evaluation and the last decision (a tenant's users: of an application it signed up to)" })
  async statistics(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string): Promise<ApplicationStatisticsView> {
    return this.controller.request(Topics.applications.statistics, { applicationId: await this.deploymentOf(request, applicationId) });
  }

  /** The deployment a caller means by an application: a tenant's users the shared one it signed up to, else its own deployment of it. */
  private async deploymentOf(request: AuthenticatedRequest, applicationId: string): Promise<string> {
    const { tenantId } = request.caller;
    return tenantId === null || (await this.database.signups.find(applicationId, tenantId)) ? applicationId : deploymentKey(applicationId, tenantId);
  }

  @Get('cluster/:clusterId')
  @ApiOperation({ summary: "One cluster of a deployed application, with its members (Stratos's GET /cluster/{clusterId})" })
  async cluster(@Param('clusterId') clusterId: string): Promise<ClusterView> {
    const row = await this.database.runtime.findCluster(clusterId);
    const runtime = row ? await readApplicationRuntime(this.database, row.applicationId, { cluster: clusterId }, this.memberCounts) : null;
    const cluster = runtime?.clusters.find((c) => c.clusterId === clusterId);
    if (!cluster) throw DomainError.notFound(`cluster "${clusterId}" does not exist (no deployed application has it)`);
    return cluster;
  }

  @Get('applications/:id/networkPartitions')
  @ApiOperation({ summary: "The network partitions a deployed application runs in: its application policy's (Stratos's { networkPartitionIds })" })
  async networkPartitions(@Param('id') applicationId: string): Promise<ApiResponses['GET /api/applications/{id}/networkPartitions']> {
    const deployment = await this.database.runtime.findDeployment(applicationId);
    if (!deployment) throw DomainError.notFound(`application "${applicationId}" is not deployed`);
    const policy = await this.controller.request<DefinitionView>(Topics.definitions.get, { kind: 'applicationPolicy', id: deployment.policyId });
    return { networkPartitionIds: (policy.networkPartitions as string[] | undefined) ?? [] };
  }

  @Get('iaasProviders')
  @ApiOperation({ summary: "The provider table: each IaaS type a cartridge may name, its driver, and whether this controller runs it (Stratos's { iaasProviders })" })
  async iaasProviders(): Promise<ApiResponses['GET /api/iaasProviders']> {
    const providers = await this.controller.request<IaasProviderView[]>(Topics.iaas.providers, {});
    return { iaasProviders: providers.map((p) => p.type), providers };
  }

  @Get('regions')
  @ApiOperation({ summary: 'Every region of the docker and local drivers (STRATOS_REGIONS; the default one: the default engine, the home): where it is, whether it answers now, the members running there' })
  regions(): Promise<RegionView[]> {
    return this.controller.request<RegionView[]>(Topics.iaas.regions, {});
  }

  @TenantAccessible()
  @Get('operations/:id')
  @ApiOperation({ summary: "A deploy or undeploy operation: running, succeeded or failed (a tenant's users: of its own deployments)" })
  async operation(@Req() request: AuthenticatedRequest, @Param('id') operationId: string): Promise<OperationView> {
    const operation = await this.controller.request<OperationView>(Topics.applications.operation, { operationId });
    if (request.caller.tenantId !== null && tenantOfDeploymentKey(operation.applicationId) !== request.caller.tenantId) throw DomainError.notFound(`operation "${operationId}" does not exist`);
    return operation;
  }
}
