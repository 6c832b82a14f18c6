import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Topics, type ArtifactDistributionAccepted, type ArtifactVersionView, type ArtifactView } from '@stratos/contracts';
import { AdminOnly, type AuthenticatedRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

/** Image artifacts and their distribution to regions (`stratos artifact …`). */
@ApiTags('artifacts')
@ApiBearerAuth()
@Controller('artifacts')
export class ImageArtifactsController {
  constructor(private readonly controller: ControllerClient) {}

  @AdminOnly()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: "A version of an image artifact, from an image a region's engine has (local: a folder taken in as the region's image NAME:VERSION); Available there at once" })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name', 'version', 'image'],
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        provider: { type: 'string', enum: ['docker', 'local'], default: 'docker' },
        region: { type: 'string' },
        image: { type: 'string', description: "docker: repository[:tag] in the region's engine; local: an absolute folder on the controller's host (a root file system), or NAME:TAG of the region's images" },
      },
    },
  })
  create(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<ArtifactVersionView> {
    return this.controller.request(Topics.artifacts.create, { actor: { username: request.caller.username }, input: body });
  }

  @Get()
  @ApiOperation({ summary: 'Every image artifact, its versions, and each version’s state in each region' })
  list(): Promise<ArtifactView[]> {
    return this.controller.request(Topics.artifacts.list, {});
  }

  @Get(':name')
  @ApiOperation({ summary: 'One image artifact: its versions and their regions' })
  get(@Param('name') name: string): Promise<ArtifactView> {
    return this.controller.request(Topics.artifacts.get, { name });
  }

  @AdminOnly()
  @Post(':name/versions/:version/distribute')
  @HttpCode(202)
  @ApiOperation({ summary: 'Copy a version to regions, each on its own and in parallel; 202 with their states, then ArtifactDistribution events (Pending, Copying n %, Available or Failed with the reason)' })
  @ApiBody({ schema: { type: 'object', required: ['regions'], properties: { regions: { type: 'array', items: { type: 'string' } } } } })
  distribute(@Req() request: AuthenticatedRequest, @Param('name') name: string, @Param('version') version: string, @Body() body: unknown): Promise<ArtifactDistributionAccepted> {
    const regions = typeof body === 'object' && body !== null ? (body as { regions?: unknown }).regions : undefined;
    return this.controller.request(Topics.artifacts.distribute, { actor: { username: request.caller.username }, name, version, regions });
  }

  @AdminOnly()
  @Delete(':name/versions/:version')
  @ApiOperation({ summary: "Remove a version (every region's copy the platform made goes from its engine; the source image stays), or with ?region= that region's copy only" })
  @ApiQuery({ name: 'region', required: false })
  remove(@Req() request: AuthenticatedRequest, @Param('name') name: string, @Param('version') version: string, @Query('region') region?: string): Promise<ArtifactVersionView | { name: string; version: string }> {
    return this.controller.request(Topics.artifacts.remove, { actor: { username: request.caller.username }, name, version, ...(region !== undefined ? { region } : {}) });
  }
}
