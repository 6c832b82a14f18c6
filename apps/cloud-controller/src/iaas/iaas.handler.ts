import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Topics, type IaasProviderView } from '@stratos/contracts';
import { reply } from '../rpc-reply';
import { DriverRegistry } from './driver-registry.service';
import { PROVIDER_DRIVERS } from './provider-table';

@Controller()
export class IaasHandler {
  constructor(private readonly drivers: DriverRegistry) {}

  /** The provider table, and which of its drivers this controller runs. */
  @MessagePattern(Topics.iaas.providers)
  providers() {
    return reply(
      async (): Promise<IaasProviderView[]> =>
        Object.entries(PROVIDER_DRIVERS)
          .map(([type, driver]) => ({ type, driver, installed: this.drivers.get(driver) !== undefined }))
          .sort((a, b) => a.type.localeCompare(b.type)),
    );
  }
}
