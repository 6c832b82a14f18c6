import { Module } from '@nestjs/common';
import { DriverRegistry } from './driver-registry.service';
import { HostDriverServer } from './host-driver-server.service';
import { IaasHandler } from './iaas.handler';

@Module({ controllers: [IaasHandler], providers: [DriverRegistry, HostDriverServer], exports: [DriverRegistry] })
export class IaasModule {}
