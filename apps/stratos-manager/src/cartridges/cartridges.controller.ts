import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { cartridgeSchema, DomainError } from '@stratos/contracts';
import type { FastifyReply } from 'fastify';
import { AdminOnly, TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { CartridgesService, type ListQuery } from './cartridges.service';
import { swaggerSchema } from '../http/swagger-schema';

const schemaForSwagger = swaggerSchema(cartridgeSchema);

@ApiTags('cartridges')
@ApiBearerAuth()
@Controller('cartridges')
export class CartridgesController {
  constructor(private readonly cartridges: CartridgesService) {}

  @AdminOnly()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a cartridge (cartridge.json); warnings list what was coerced or ignored' })
  @ApiBody({ schema: schemaForSwagger })
  @ApiQuery({ name: 'strict', required: false, description: 'true: warnings are errors' })
  @ApiResponse({ status: 201, description: 'created: { cartridge, warnings[] }' })
  @ApiResponse({ status: 400, description: 'invalid: errors[] with JSON pointers' })
  @ApiResponse({ status: 409, description: 'the type exists' })
  create(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Query('strict') strict?: string) {
    return this.cartridges.create(request.caller, body, strict === 'true');
  }

  @TenantAccessible()
  @Get()
  @ApiOperation({ summary: 'List cartridges; the total is in X-Total-Count' })
  @ApiQuery({ name: 'category', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(@Query() query: ListQuery, @Res({ passthrough: true }) response: FastifyReply) {
    const { items, total } = await this.cartridges.list(query);
    response.header('X-Total-Count', String(total));
    return items;
  }

  @TenantAccessible()
  @Get(':type')
  @ApiOperation({ summary: 'One cartridge, secrets redacted' })
  get(@Param('type') type: string) {
    return this.cartridges.get(type);
  }

  @TenantAccessible()
  @Get('filter/:filter')
  @ApiOperation({ summary: "Stratos's filters: singleTenant, multiTenant, load-balancer (single-tenant, category loadbalancer), provider (?criteria=NAME)" })
  @ApiQuery({ name: 'criteria', required: false, description: 'the provider, for the provider filter' })
  filter(@Param('filter') filter: string, @Query('criteria') criteria?: string) {
    return this.cartridges.filtered(filter, criteria);
  }

  @TenantAccessible()
  @Get(':type/filter/:filter')
  @ApiOperation({ summary: 'One cartridge if the filter selects it (Stratos): 404 if not' })
  getFiltered(@Param('type') type: string, @Param('filter') filter: string) {
    return this.cartridges.getFiltered(type, filter);
  }

  @AdminOnly()
  @Put()
  @ApiOperation({ summary: "Stratos's update: replace the cartridge the body's type names" })
  @ApiBody({ schema: schemaForSwagger })
  updateNamedByBody(@Req() request: AuthenticatedRequest, @Body() body: unknown, @Query('strict') strict?: string) {
    const type = (body as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || type === '') throw DomainError.invalid('the cartridge definition names no type', [{ path: '/type', message: 'is required (it names the cartridge to update)' }]);
    return this.cartridges.update(request.caller, type, body, strict === 'true');
  }

  @AdminOnly()
  @Put(':type')
  @ApiOperation({ summary: 'Replace a cartridge definition; the body type must equal the path' })
  @ApiBody({ schema: schemaForSwagger })
  update(@Req() request: AuthenticatedRequest, @Param('type') type: string, @Body() body: unknown, @Query('strict') strict?: string) {
    return this.cartridges.update(request.caller, type, body, strict === 'true');
  }

  @AdminOnly()
  @Put(':type/bundle')
  @ApiOperation({ summary: "Upload the cartridge's bundle: a gzipped ustar archive of confd/, provision/, extensions/ (Content-Type: application/gzip)" })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 200, description: 'the cartridge, with status.bundle' })
  @ApiResponse({ status: 400, description: 'the archive is invalid: which entry, and why' })
  @ApiResponse({ status: 409, description: 'a deployed application runs the cartridge' })
  putBundle(@Req() request: AuthenticatedRequest, @Param('type') type: string, @Body() body: unknown) {
    return this.cartridges.putBundle(request.caller, type, body);
  }

  @AdminOnly()
  @Get(':type/bundle')
  @ApiOperation({ summary: "Download the cartridge's bundle (application/gzip)" })
  async getBundle(@Param('type') type: string, @Res() response: FastifyReply) {
    const archive = await this.cartridges.getBundle(type);
    await response.status(200).type('application/gzip').header('Content-Disposition', `attachment; filename="${type.replace(/[^\w.-]/g, '_')}-bundle.tar.gz"`).send(archive);
  }

  @AdminOnly()
  @Delete(':type/bundle')
  @ApiOperation({ summary: "Remove the cartridge's bundle" })
  removeBundle(@Req() request: AuthenticatedRequest, @Param('type') type: string) {
    return this.cartridges.removeBundle(request.caller, type);
  }

  @AdminOnly()
  @Delete(':type')
  @ApiOperation({ summary: 'Remove a cartridge' })
  remove(@Req() request: AuthenticatedRequest, @Param('type') type: string) {
    return this.cartridges.remove(request.caller, type);
  }
}
