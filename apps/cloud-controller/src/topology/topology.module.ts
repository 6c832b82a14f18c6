import { Module } from '@nestjs/common';
import { TopologyPublisher } from './topology-publisher.service';

@Module({ providers: [TopologyPublisher], exports: [TopologyPublisher] })
export class TopologyModule {}
