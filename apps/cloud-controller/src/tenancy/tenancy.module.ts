import { Module } from '@nestjs/common';
import { MetadataModule } from '../metadata/metadata.module';
import { TopologyModule } from '../topology/topology.module';
import { DomainMappingsService } from './domain-mappings.service';
import { SignUpsHandler } from './signups.handler';
import { SignUpsService } from './signups.service';

@Module({ imports: [TopologyModule, MetadataModule], controllers: [SignUpsHandler], providers: [SignUpsService, DomainMappingsService], exports: [SignUpsService] })
export class TenancyModule {}
