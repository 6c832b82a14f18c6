import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { DockerDriver, LocalProcessDriver, platformIdOf, type IaasDriver } from '@stratos/iaas';
import { MEMBER_GATEWAY_MESSAGE } from '@stratos/contracts';
import { ControllerSettings } from '../controller-settings';

/**
 * The drivers installed in this controller, by name: `local` always; `docker` where an
 * engine answers (unless STRATOS_DOCKER=off).
 */
@Injectable()
export class DriverRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DriverRegistry.name);
  private readonly drivers = new Map<string, IaasDriver>();

  constructor(private readonly settings: ControllerSettings) {
    this.drivers.set('local', new LocalProcessDriver({ membersDir: join(settings.home, 'members'), volumesDir: join(settings.home, 'volumes'), agentEntry: settings.agentEntry, sandbox: settings.localSandbox }));
    for (const [name, driver] of Object.entries(settings.drivers ?? {})) this.drivers.set(name, driver);
  }

  async onModuleInit(): Promise<void> {
    if (this.settings.docker === 'off' || this.settings.drivers?.docker) return;
    if (await DockerDriver.available()) {
      const docker = new DockerDriver({ platformId: await platformIdOf(this.settings.home), home: resolve(this.settings.home) });
      this.drivers.set('docker', docker);
      const { name, gateway } = await docker.memberNetwork();
      this.logger.log(`Docker engine found: the docker driver is available; members on the network ${name}, reaching the platform at ${gateway}`);
      // Started by npm start: the parent owns the embedded broker, which must listen where members are.
      process.send?.({ type: MEMBER_GATEWAY_MESSAGE, host: gateway });
    } else if (this.settings.docker === 'on') {
      throw new Error('STRATOS_DOCKER=on, but no Docker engine answers (docker info)');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const driver of this.drivers.values()) await driver.close?.();
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
