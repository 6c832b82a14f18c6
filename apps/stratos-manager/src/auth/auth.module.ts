import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UsersController } from '../users/users.controller';
import { UsersService } from '../users/users.service';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { SessionController } from './session.controller';
import { TokensController } from './tokens.controller';

@Module({
  controllers: [TokensController, SessionController, UsersController],
  providers: [AuthService, UsersService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
