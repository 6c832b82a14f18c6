import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Topics } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { ControllerMetrics } from './controller-metrics.service';

@Controller()
export class MetricsHandler {
  constructor(private readonly metrics: ControllerMetrics) {}

  @MessagePattern(Topics.metrics.controller)
  text() {
    return reply(async () => ({ text: await this.metrics.text() }));
  }
}
