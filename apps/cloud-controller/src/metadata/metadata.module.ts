import { Module } from '@nestjs/common';
import { MetadataHandler } from './metadata.handler';
import { MetadataPublisher } from './metadata-publisher.service';
import { MetadataRegistry } from './metadata-registry.service';

@Module({ controllers: [MetadataHandler], providers: [MetadataPublisher, MetadataRegistry], exports: [MetadataPublisher] })
export class MetadataModule {}
