import { Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { TopologyController } from './topology.controller';
import { TopologyFeed } from './topology-feed.service';

@Module({ imports: [ControllerClientModule], controllers: [TopologyController], providers: [TopologyFeed] })
export class TopologyModule {}
