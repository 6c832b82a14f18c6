import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './auth.guard';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Trade a username and password for a bearer token' })
  create(@Body() body: { username?: unknown; password?: unknown }) {
    return this.auth.issueToken(body?.username, body?.password);
  }
}
