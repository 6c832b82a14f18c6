import { Body, Controller, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, type AuthenticatedRequest } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly auth: AuthService) {}

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Create a user (role admin or user)' })
  create(@Body() body: { username?: unknown; password?: unknown; role?: unknown }) {
    return this.auth.createUser(body ?? {});
  }

  @Put(':username/password')
  @ApiOperation({ summary: "Change a password: your own (with currentPassword), or anyone's as an admin; the user's other tokens stop working" })
  changePassword(@Req() request: AuthenticatedRequest, @Param('username') username: string, @Body() body: { currentPassword?: unknown; password?: unknown }) {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')![1];
    return this.auth.changePassword(request.caller, token, username, body ?? {});
  }
}
