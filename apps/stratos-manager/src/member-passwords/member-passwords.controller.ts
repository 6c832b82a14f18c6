import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Topics, type MemberPasswordRotationView } from '@stratos/contracts';
import { AdminOnly } from '../auth/auth.guard';
import { ControllerClient } from '../controller-client/controller-client.service';

/** Members' own broker passwords on an external broker with dynamic security (`stratos secrets rotate member-passwords`). */
@ApiTags('secrets')
@ApiBearerAuth()
@Controller('member-passwords/rotation')
export class MemberPasswordsController {
  constructor(private readonly controller: ControllerClient) {}

  @AdminOnly()
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Replace every running member's broker password (Mosquitto with dynamic security): each agent is sent its new one, then the broker's is changed and the member signs in again with it; 202 with the rotation's progress. 409 on the embedded broker (rotate the member secret instead) or while one runs",
  })
  rotate(): Promise<MemberPasswordRotationView> {
    return this.controller.request(Topics.memberPasswords.rotate, {});
  }

  @AdminOnly()
  @Get()
  @ApiOperation({ summary: 'The last member password rotation since the cloud controller started: running or finished, and how many members switched, were cut off or not rotated' })
  rotation(): Promise<MemberPasswordRotationView> {
    return this.controller.request(Topics.memberPasswords.rotation, {});
  }
}
