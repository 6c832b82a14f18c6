import { Body, Controller, Headers, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError, type ImportProgress, type ImportResult } from '@stratos/contracts';
import type { FastifyReply } from 'fastify';
import { TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import { ImportService } from './import.service';

const FLAVOUR = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

@ApiTags('import')
@ApiBearerAuth()
@TenantAccessible()
@Controller('import')
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Import a Stratos folder (a zip: Content-Type application/zip) in Stratos's order: policies, partitions, cartridges (with the bundle in their folder), groups, applications, then sign-ups and domain mappings (?tenant=). 200 with a row per file: created, skipped (already there) or refused (why, at which pointer). Accept: application/x-ndjson streams the rows as they come.",
  })
  @ApiQuery({ name: 'iaas', required: true, description: 'which cartridges/<iaas> and network-partitions/<iaas> to take (local, docker, swarm, mock, …)' })
  @ApiQuery({ name: 'strict', required: false, description: 'true: warnings are errors' })
  @ApiQuery({ name: 'tenant', required: false, description: "whose the folder's sign-ups and domain mappings are (platform admin); a tenant's admin: its own" })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  async import(
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
    @Query('iaas') iaas: string | undefined,
    @Query('strict') strict: string | undefined,
    @Query('tenant') tenant: string | undefined,
    @Headers('accept') accept: string | undefined,
  ): Promise<void> {
    if (!iaas || !FLAVOUR.test(iaas)) throw DomainError.invalid('name the flavour whose cartridges and partitions to take', [{ path: '?iaas', message: 'is required: lower-case letters, digits and dashes (local, docker, swarm, mock, …)' }]);
    if (strict !== undefined && strict !== 'true' && strict !== 'false') throw DomainError.invalid('strict must be true or false', [{ path: '?strict', message: 'must be one of true, false', allowed: ['true', 'false'] }]);
    if (tenant !== undefined && !DOMAIN.test(tenant)) throw DomainError.invalid('tenant must be a tenant domain', [{ path: '?tenant', message: 'must be a domain name such as example.com' }]);
    const options = { iaas, strict: strict === 'true', tenant };
    const opened = this.imports.open(body, iaas); // a bad archive: 400 before anything is written
    if (!accept?.includes('application/x-ndjson')) {
      await reply.status(200).send(await this.imports.run(request.caller, opened, options));
      return;
    }
    // Streamed: a line when the plan is known, one per file, the result last (or why it stopped), on Node's response.
    const response = reply.raw;
    reply.hijack();
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    const line = (progress: ImportProgress | { type: 'failed'; error: { statusCode: number; message: string } }) => response.write(`${JSON.stringify(progress)}\n`);
    line({ type: 'planned', total: opened.steps.length, notes: opened.notes });
    let result: ImportResult;
    try {
      result = await this.imports.run(request.caller, opened, options, (row) => line({ type: 'row', row }));
    } catch (error) {
      line({ type: 'failed', error: { statusCode: error instanceof DomainError && error.code === 'UNAVAILABLE' ? 503 : 500, message: error instanceof DomainError ? error.message : 'internal error; the server log has the details' } });
      response.end();
      if (!(error instanceof DomainError)) new Logger('Import').error(`the import stopped: ${(error as Error).stack ?? error}`);
      return;
    }
    line({ type: 'done', result });
    response.end();
  }
}
