import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Topics, type IaasProviderView, type RegionView } from '@stratos/contracts';
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

  /** Every region of every regional driver: where it is, whether it answers now, how many of the platform's instances run there. */
  @MessagePattern(Topics.iaas.regions)
  regions() {
    return reply(async (): Promise<RegionView[]> => {
      const views = await Promise.all(
        this.drivers.regionsInstalled().map(async ({ driverName, driver, region, endpoint }): Promise<RegionView> => {
          const installed = this.drivers.get(driverName)!;
          const health = (await installed.health?.()) ?? { answers: true };
          const members = health.answers ? (await installed.list().catch(() => [])).filter((i) => i.running).length : 0;
          return { region, driver, driverName, endpoint, answers: health.answers, ...(health.reason ? { reason: health.reason } : {}), members };
        }),
      );
      return views.sort((a, b) => a.driver.localeCompare(b.driver) || (a.region === 'default' ? -1 : b.region === 'default' ? 1 : a.region.localeCompare(b.region)));
    });
  }
}
