import { Module } from '@nestjs/common';
import { IaasModule } from '../iaas/iaas.module';
import { TopologyModule } from '../topology/topology.module';
import { CartridgeRegistry } from './cartridge-registry.service';
import { CartridgesHandler } from './cartridges.handler';

@Module({
  imports: [TopologyModule, IaasModule],
  controllers: [CartridgesHandler],
  providers: [CartridgeRegistry],
})
export class CartridgesModule {}
