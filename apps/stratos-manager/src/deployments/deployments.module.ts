import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { DeploymentsController } from './deployments.controller';

@Module({ imports: [ControllerClientModule], controllers: [DeploymentsController] })
export class DeploymentsModule {}
