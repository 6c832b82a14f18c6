import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.guard';
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
}
