import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { ImageArtifactsController } from './image-artifacts.controller';

@Module({ imports: [ControllerClientModule], controllers: [ImageArtifactsController] })
export class ImageArtifactsModule {}
