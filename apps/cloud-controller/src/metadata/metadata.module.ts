import { Module } from '@nestjs/common';
import { TopologyModule } from '../topology/topology.module';
import { MetadataHandler } from './metadata.handler';
import { MetadataPublisher } from './metadata-publisher.service';
import { MetadataRegistry } from './metadata-registry.service';

@Module({ imports: [TopologyModule], controllers: [MetadataHandler], providers: [MetadataPublisher, MetadataRegistry], exports: [MetadataPublisher] })
export class MetadataModule {}
