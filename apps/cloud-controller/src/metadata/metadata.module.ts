import { Module } from '@nestjs/common';
import { MetadataPublisher } from './metadata-publisher.service';

@Module({ providers: [MetadataPublisher], exports: [MetadataPublisher] })
export class MetadataModule {}
