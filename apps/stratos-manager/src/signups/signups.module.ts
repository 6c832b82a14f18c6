import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { DomainMappingsController } from './domain-mappings.controller';
import { SignUpsController } from './signups.controller';
import { SignUpsService } from './signups.service';

@Module({ imports: [ControllerClientModule], controllers: [SignUpsController, DomainMappingsController], providers: [SignUpsService], exports: [SignUpsService] })
export class SignUpsModule {}
