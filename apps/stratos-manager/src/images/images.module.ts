import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { ImagesController } from './images.controller';

@Module({ imports: [ControllerClientModule], controllers: [ImagesController] })
export class ImagesModule {}
