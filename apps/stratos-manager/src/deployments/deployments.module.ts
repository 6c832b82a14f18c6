import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { TopologyModule } from '../topology/topology.module';
import { DeploymentsController } from './deployments.controller';

@Module({ imports: [ControllerClientModule, TopologyModule], controllers: [DeploymentsController] })
export class DeploymentsModule {}
