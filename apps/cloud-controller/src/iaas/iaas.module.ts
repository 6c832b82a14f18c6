import { Module } from '@nestjs/common';
import { DriverRegistry } from './driver-registry.service';
import { IaasHandler } from './iaas.handler';

@Module({ controllers: [IaasHandler], providers: [DriverRegistry], exports: [DriverRegistry] })
export class IaasModule {}
