import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { aLabel, definitionKinds, type DefinitionKind } from '@stratos/contracts';
import type { FastifyReply } from 'fastify';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { DefinitionsService } from './definitions.service';
import { swaggerSchema } from '../http/swagger-schema';

/** One REST collection at Stratos's path (/api/deploymentPolicies, …) for one kind of definition. */
function definitionsControllerFor(kind: DefinitionKind): Type {
  const schema = swaggerSchema(kind.schema);
  /** Tenants read the applications (to sign up to them, or deploy their own); policies and the rest are the platform's. */
  const tenantsRead = kind.restPath === 'applications';

  @ApiTags(kind.plural)
  @ApiBearerAuth()
  @Controller(kind.restPath)
  class DefinitionsController {
    constructor(private readonly definitions: DefinitionsService) {}

    @AdminOnly()
    @Post()
    @HttpCode(201)
    @ApiOperation({ summary: `Add ${aLabel(kind)}; 400 names each missing reference by its pointer` })
    @ApiBody({ schema })
    @ApiQuery({ name: 'strict', required: false })
    create(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Query('strict') strict?: string) {
      return this.definitions.create(kind, request.caller, body, strict === 'true');
    }

    @TenantAccessible(tenantsRead)
    @Get()
    @ApiOperation({ summary: `List ${kind.plural}; the total is in X-Total-Count` })
    async list(@Query() query: { limit?: string; offset?: string }, @Res({ passthrough: true }) response: FastifyReply) {
      const { items, total } = await this.definitions.list(kind, query);
      response.header('X-Total-Count', String(total));
      return items;
    }

    @TenantAccessible(tenantsRead)
    @Get(':id')
    @ApiOperation({ summary: `One ${kind.label}, secrets redacted` })
    get(@Param('id') id: string) {
      return this.definitions.get(kind, id);
    }

    @AdminOnly()
    @Put(':id')
    @ApiOperation({ summary: `Replace ${aLabel(kind)}; the body's ${kind.idKey} must equal the path` })
    @ApiBody({ schema })
    update(@Req() request: AuthenticatedRequest, @Param('id') id: string, @Body() body: unknown, @Query('strict') strict?: string) {
      return this.definitions.update(kind, request.caller, id, body, strict === 'true');
    }

    /** Stratos 4.1 updated with PUT on the collection, the id in the body. */
    @AdminOnly()
    @Put()
    @ApiOperation({ summary: `Replace ${aLabel(kind)} named by its body (Stratos 4.1's form)` })
    @ApiBody({ schema })
    updateStratos(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Query('strict') strict?: string) {
      return this.definitions.update(kind, request.caller, undefined, body, strict === 'true');
    }

    @AdminOnly()
    @Delete(':id')
    @ApiOperation({ summary: `Remove ${aLabel(kind)}; 409 names what still uses it` })
    remove(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
      return this.definitions.remove(kind, request.caller, id);
    }
  }
  Object.defineProperty(DefinitionsController, 'name', { value: `${kind.name[0].toUpperCase()}${kind.name.slice(1)}Controller` });
  return DefinitionsController;
}

export const DEFINITIONS_CONTROLLERS = Object.values(definitionKinds).map(definitionsControllerFor);
