import { Global, Module } from '@nestjs/common';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { ManagerMetrics } from './manager-metrics.service';
import { MetricsController } from './metrics.controller';

/** Global: the controller client and the HTTP edge count into it. */
@Global()
@Module({ imports: [ControllerClientModule], controllers: [MetricsController], providers: [ManagerMetrics], exports: [ManagerMetrics] })
export class MetricsModule {}
