import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerDriver, LocalProcessDriver, type IaasDriver } from '@stratos/iaas';
import { ControllerSettings } from '../controller-settings';

/**
 * The drivers installed in this controller, by name: `local` always; `docker` where an
 * engine answers (unless STRATOS_DOCKER=off).
 */
@Injectable()
export class DriverRegistry implements OnModuleInit {
  private readonly logger = new Logger(DriverRegistry.name);
  private readonly drivers = new Map<string, IaasDriver>();

  constructor(private readonly settings: ControllerSettings) {
    this.drivers.set('local', new LocalProcessDriver({ membersDir: join(settings.home, 'members'), volumesDir: join(settings.home, 'volumes'), agentEntry: settings.agentEntry, sandbox: settings.localSandbox }));
  }

  async onModuleInit(): Promise<void> {
    if (this.settings.docker === 'off') return;
    if (await DockerDriver.available()) {
      this.drivers.set('docker', new DockerDriver({ platformId: await this.platformId() }));
      this.logger.log('Docker engine found: the docker driver is available');
    } else if (this.settings.docker === 'on') {
      throw new Error('STRATOS_DOCKER=on, but no Docker engine answers (docker info)');
    }
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

  /** Stable per STRATOS_HOME: the label that marks this platform's containers. */
  private async platformId(): Promise<string> {
    const file = join(this.settings.home, 'platform-id');
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch {
      const id = randomUUID();
      await mkdir(this.settings.home, { recursive: true });
      await writeFile(file, id);
      return id;
    }
  }
}
