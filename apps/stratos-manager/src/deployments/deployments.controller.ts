import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Topics, type ApplicationRuntime, type OperationAccepted, type OperationView } from '@stratos/contracts';
import { AdminOnly, type AuthenticatedRequest } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

@ApiTags('applications')
@ApiBearerAuth()
@Controller()
export class DeploymentsController {
  constructor(private readonly controller: ControllerClient) {}

  @AdminOnly()
  @Post('applications/:id/deploy/:policyId')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deploy an application with an application policy; 202 with an operation to watch' })
  deploy(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Param('policyId') policyId: string): Promise<OperationAccepted> {
    return this.controller.request(Topics.applications.deploy, { actor: { username: request.caller.username }, applicationId, policyId });
  }

  @AdminOnly()
  @Post('applications/:id/undeploy')
  @HttpCode(202)
  @ApiOperation({ summary: 'Undeploy: members shut down gracefully (force=true: at once), then clusters go' })
  @ApiQuery({ name: 'force', required: false })
  undeploy(@Req() request: AuthenticatedRequest, @Param('id') applicationId: string, @Query('force') force?: string): Promise<OperationAccepted> {
    return this.controller.request(Topics.applications.undeploy, { actor: { username: request.caller.username }, applicationId, force: force === 'true' });
  }

  @Get('applications/:id/runtime')
  @ApiOperation({ summary: 'The deployed application: clusters, members, states, addresses and ports' })
  runtime(@Param('id') applicationId: string): Promise<ApplicationRuntime> {
    return this.controller.request(Topics.applications.runtime, { applicationId });
  }

  @Get('operations/:id')
  @ApiOperation({ summary: 'A deploy or undeploy operation: running, succeeded or failed' })
  operation(@Param('id') operationId: string): Promise<OperationView> {
    return this.controller.request(Topics.applications.operation, { operationId });
  }
}
