import { Global, Module } from '@nestjs/common';
import { ControllerMetrics } from './controller-metrics.service';
import { MetricsHandler } from './metrics.handler';

/** Global: the reconciler and the agent listener count into it. */
@Global()
@Module({ controllers: [MetricsHandler], providers: [ControllerMetrics], exports: [ControllerMetrics] })
export class MetricsModule {}
