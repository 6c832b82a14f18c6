import { Module } from '@nestjs/common';
import { TopologyModule } from '../topology/topology.module';
import { CartridgeRegistry } from './cartridge-registry.service';
import { CartridgesHandler } from './cartridges.handler';

@Module({
  imports: [TopologyModule],
  controllers: [CartridgesHandler],
  providers: [CartridgeRegistry],
})
export class CartridgesModule {}
