import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { DomainMappingsController } from './domain-mappings.controller';
import { SignUpsController } from './signups.controller';

@Module({ imports: [ControllerClientModule], controllers: [SignUpsController, DomainMappingsController] })
export class SignUpsModule {}
