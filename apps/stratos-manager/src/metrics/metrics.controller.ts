import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Topics } from '@stratos/contracts';
import { AdminOnly } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';
import { ManagerMetrics } from './manager-metrics.service';

/** Prometheus's text format at /metrics (an admin token: a scrape job's bearer_token): the manager's and the controller's. */
@ApiTags('metrics')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ManagerMetrics,
    private readonly controller: ControllerClient,
  ) {}

  @AdminOnly()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: "Prometheus metrics: members by state, reconcile passes, agent events, RPC and HTTP latency, both processes' own" })
  async text(): Promise<string> {
    const own = await this.metrics.registry.metrics();
    try {
      const { text } = await this.controller.request<{ text: string }>(Topics.metrics.controller, {});
      return `${own}\n${text}`;
    } catch (error) {
      return `${own}\n# the cloud controller's metrics are unavailable: ${(error as Error).message.replace(/\n/g, ' ')}\n`;
    }
  }
}
