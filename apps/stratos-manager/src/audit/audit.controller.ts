import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AUDIT_OUTCOMES, DomainError, type AuditEntry, type AuditOutcome } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import type { FastifyReply } from 'fastify';
import { AdminOnly } from '../auth/auth.guard';
import { pagingNumber } from '../cartridges/cartridges.service';

const OUTCOMES = AUDIT_OUTCOMES as AuditOutcome[];

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly database: Database) {}

  @AdminOnly()
  @Get()
  @ApiOperation({ summary: 'Every write to the API, newest first: who, from where, what, when, the outcome; the total is in X-Total-Count' })
  @ApiQuery({ name: 'actor', required: false, description: 'a username' })
  @ApiQuery({ name: 'since', required: false, description: 'an ISO 8601 time' })
  @ApiQuery({ name: 'outcome', required: false, enum: OUTCOMES })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  async list(@Query() query: { actor?: string; since?: string; outcome?: string; limit?: string; offset?: string }, @Res({ passthrough: true }) response: FastifyReply): Promise<AuditEntry[]> {
    const since = query.since === undefined ? undefined : new Date(query.since);
    if (since && Number.isNaN(since.getTime())) throw DomainError.invalid('since must be a time (ISO 8601)', [{ path: '?since', message: 'is not a time' }]);
    if (query.outcome !== undefined && !OUTCOMES.includes(query.outcome as AuditOutcome)) {
      throw DomainError.invalid(`outcome must be one of ${OUTCOMES.join(', ')}`, [{ path: '?outcome', message: 'is not an outcome', allowed: OUTCOMES }]);
    }
    const { items, total } = await this.database.audit.list({
      actor: query.actor || undefined,
      since,
      outcome: query.outcome as AuditOutcome | undefined,
      limit: pagingNumber(query.limit, 'limit', 100, 1000),
      offset: pagingNumber(query.offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    });
    response.header('X-Total-Count', String(total));
    return items;
  }
}
