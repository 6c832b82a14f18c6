import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { MetadataController } from './metadata.controller';

@Module({ imports: [ControllerClientModule], controllers: [MetadataController] })
export class MetadataModule {}
