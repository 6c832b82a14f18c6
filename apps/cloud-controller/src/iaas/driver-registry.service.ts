import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { LocalProcessDriver, type IaasDriver } from '@stratos/iaas';
import { ControllerSettings } from '../controller-settings';

/** The drivers installed in this controller, by name. */
@Injectable()
export class DriverRegistry {
  private readonly drivers = new Map<string, IaasDriver>();

  constructor(settings: ControllerSettings) {
    this.drivers.set('local', new LocalProcessDriver({ membersDir: join(settings.home, 'members'), agentEntry: settings.agentEntry }));
  }

  get(name: string): IaasDriver | undefined {
    return this.drivers.get(name);
  }

  all(): IaasDriver[] {
    return [...this.drivers.values()];
  }

  names(): string[] {
    return [...this.drivers.keys()];
  }
}
