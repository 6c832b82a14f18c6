import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { CartridgesController } from './cartridges.controller';
import { CartridgesService } from './cartridges.service';

@Module({ imports: [ControllerClientModule], controllers: [CartridgesController], providers: [CartridgesService], exports: [CartridgesService] })
export class CartridgesModule {}
