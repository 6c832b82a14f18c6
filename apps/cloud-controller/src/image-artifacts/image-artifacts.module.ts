import { Module } from '@nestjs/common';
import { IaasModule } from '../iaas/iaas.module';
import { TopologyModule } from '../topology/topology.module';
import { ImageArtifactsHandler } from './image-artifacts.handler';
import { ImageArtifactsService } from './image-artifacts.service';

/** Image artifacts: versions of an image, distributed to the regions' engines. */
@Module({ imports: [IaasModule, TopologyModule], controllers: [ImageArtifactsHandler], providers: [ImageArtifactsService] })
export class ImageArtifactsModule {}
