import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UsersController } from '../users/users.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { TokensController } from './tokens.controller';

@Module({
  controllers: [TokensController, UsersController],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
