import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthView } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { Public } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: Database,
    private readonly controller: ControllerClient,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Whether the manager, its database and the cloud controller answer' })
  async health(): Promise<HealthView> {
    const database = await this.database.ping().then(
      (): HealthView['database'] => 'up',
      (): HealthView['database'] => 'down',
    );
    const online = this.controller.isControllerOnline;
    const cloudController: HealthView['cloudController'] = online === undefined ? 'unknown' : online ? 'up' : 'down';
    return { status: database === 'up' && cloudController === 'up' ? 'up' : 'degraded', database, cloudController };
  }
}
