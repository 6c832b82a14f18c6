import { Module } from '@nestjs/common';
import { DriverRegistry } from './driver-registry.service';

@Module({ providers: [DriverRegistry], exports: [DriverRegistry] })
export class IaasModule {}
