import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { MemberPasswordsController } from './member-passwords.controller';

@Module({ imports: [ControllerClientModule], controllers: [MemberPasswordsController] })
export class MemberPasswordsModule {}
