import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { SignUpsController } from './signups.controller';

@Module({ imports: [ControllerClientModule], controllers: [SignUpsController] })
export class SignUpsModule {}
