import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, metadataPropertySchema, Topics, validateMetadataProperty, type MemberTreeView, type MetadataPropertyView } from '@stratos/contracts';
import { AdminOnly, ApplicationTokenAccepted, type MaybeApplicationRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

const propertySchema = metadataPropertySchema as unknown as Record<string, never>;

/**
 * Stratos's metadata API, at its paths under /api/metadata: multi-valued properties of a
 * deployed application and of its clusters. Members call it with their application's token
 * (TOKEN in the launch payload), which opens that application's paths and no other's.
 */
@ApiTags('metadata')
@ApiBearerAuth()
@Controller('metadata')
export class MetadataController {
  constructor(private readonly controller: ControllerClient) {}

  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/properties')
  @ApiOperation({ summary: "An application's properties: [{ key, values[] }]" })
  list(@Param('applicationId') applicationId: string): Promise<MetadataPropertyView[]> {
    return this.controller.request(Topics.metadata.list, { actor: { username: '' }, applicationId });
  }

  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/properties/:name')
  @ApiOperation({ summary: "One of an application's properties" })
  get(@Param('applicationId') applicationId: string, @Param('name') name: string): Promise<MetadataPropertyView> {
    return this.one(applicationId, undefined, name);
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Post('applications/:applicationId/properties')
  @HttpCode(201)
  @ApiBody({ schema: propertySchema })
  @ApiOperation({ summary: 'Add values to a property of the application (a key posted again gets the values it lacks)' })
  add(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Body() body: unknown): Promise<MetadataPropertyView> {
    return this.write(request, applicationId, undefined, body);
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties')
  @ApiOperation({ summary: "Remove all of the application's metadata (its clusters' too)" })
  clear(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string) {
    return this.controller.request(Topics.metadata.remove, { actor: { username: request.caller.username }, applicationId });
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties/:name')
  @ApiOperation({ summary: 'Remove a property of the application' })
  remove(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('name') key: string) {
    return this.controller.request(Topics.metadata.remove, { actor: { username: request.caller.username }, applicationId, key });
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/properties/:name/value/:value')
  @ApiOperation({ summary: 'Remove one value of a property of the application' })
  removeValue(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('name') key: string, @Param('value') value: string) {
    return this.controller.request(Topics.metadata.remove, { actor: { username: request.caller.username }, applicationId, key, value });
  }

  @ApplicationTokenAccepted()
  @Get('applications/:applicationId/clusters/:clusterId/properties')
  @ApiOperation({ summary: "A cluster's properties" })
  listCluster(@Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string): Promise<MetadataPropertyView[]> {
    return this.controller.request(Topics.metadata.list, { actor: { username: '' }, applicationId, clusterId });
  }

  /** Stratos answered one cluster property at `cluster/` (singular); both paths work. */
  @ApplicationTokenAccepted()
  @Get(['applications/:applicationId/clusters/:clusterId/properties/:name', 'applications/:applicationId/cluster/:clusterId/properties/:name'])
  @ApiOperation({ summary: "One of a cluster's properties" })
  getCluster(@Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Param('name') name: string): Promise<MetadataPropertyView> {
    return this.one(applicationId, clusterId, name);
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Post('applications/:applicationId/clusters/:clusterId/properties')
  @HttpCode(201)
  @ApiBody({ schema: propertySchema })
  @ApiOperation({ summary: 'Add values to a property of a cluster (what it exports to the clusters that depend on it)' })
  addCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Body() body: unknown): Promise<MetadataPropertyView> {
    return this.write(request, applicationId, clusterId, body);
  }

  @AdminOnly()
  @ApplicationTokenAccepted()
  @Delete('applications/:applicationId/clusters/:clusterId/properties/:name')
  @ApiOperation({ summary: 'Remove a property of a cluster' })
  removeCluster(@Req() request: MaybeApplicationRequest, @Param('applicationId') applicationId: string, @Param('clusterId') clusterId: string, @Param('name') key: string) {
    return this.controller.request(Topics.metadata.remove, { actor: { username: request.caller.username }, applicationId, clusterId, key });
  }

  @AdminOnly()
  @Get('members/:memberId')
  @ApiOperation({ summary: "The whole metadata tree a member sees now (secret-named keys redacted), for debugging" })
  memberTree(@Param('memberId') memberId: string): Promise<MemberTreeView> {
    return this.controller.request(Topics.metadata.memberTree, { memberId });
  }

  private async one(applicationId: string, clusterId: string | undefined, name: string): Promise<MetadataPropertyView> {
    const properties: MetadataPropertyView[] = await this.controller.request(Topics.metadata.list, { actor: { username: '' }, applicationId, clusterId });
    const found = properties.find((p) => p.key === name);
    if (!found) throw DomainError.notFound(`property "${name}" does not exist in ${clusterId ? `cluster "${clusterId}" of ` : ''}application "${applicationId}"`);
    return found;
  }

  private write(request: MaybeApplicationRequest, applicationId: string, clusterId: string | undefined, body: unknown): Promise<MetadataPropertyView> {
    const { value, errors } = validateMetadataProperty(body);
    if (errors.length > 0) throw DomainError.invalid('the property is invalid', errors);
    return this.controller.request(Topics.metadata.add, { actor: { username: request.caller.username }, applicationId, clusterId, property: value });
  }
}
