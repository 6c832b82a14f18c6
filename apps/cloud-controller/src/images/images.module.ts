import { Module } from '@nestjs/common';
import { IaasModule } from '../iaas/iaas.module';
import { TopologyModule } from '../topology/topology.module';
import { BakeService } from './bake.service';
import { ImagesHandler } from './images.handler';

/** Fully configured images baked from provisioned members. */
@Module({ imports: [IaasModule, TopologyModule], controllers: [ImagesHandler], providers: [BakeService] })
export class ImagesModule {}
