import { Module } from '@nestjs/common';
import { TopologyController } from './topology.controller';
import { TopologyFeed } from './topology-feed.service';

@Module({ controllers: [TopologyController], providers: [TopologyFeed] })
export class TopologyModule {}
