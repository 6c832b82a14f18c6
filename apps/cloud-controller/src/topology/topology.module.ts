import { Module } from '@nestjs/common';
import { TopologyPublisher } from './topology-publisher.service';
import { TopologyRetention } from './topology-retention.service';

@Module({ providers: [TopologyPublisher, TopologyRetention], exports: [TopologyPublisher, TopologyRetention] })
export class TopologyModule {}
