import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { DEFINITIONS_CONTROLLERS } from './definitions.controller';
import { DefinitionsService } from './definitions.service';

@Module({ imports: [ControllerClientModule], controllers: DEFINITIONS_CONTROLLERS, providers: [DefinitionsService], exports: [DefinitionsService] })
export class DefinitionsModule {}
