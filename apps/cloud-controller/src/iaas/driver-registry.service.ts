import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { dockerEngineAt, DockerDriver, LocalProcessDriver, loopbackBlockOf, platformIdOf, PLATFORM_HOST_LABEL, SwarmDriver, type IaasDriver } from '@stratos/iaas';
import { DEFAULT_REGION, MEMBER_GATEWAY_MESSAGE, parseRegionDriverName, regionDriverName, type RegionEndpoint } from '@stratos/contracts';
import { ControllerSettings } from '../controller-settings';
import { HostDriverChannel, RemoteHostDriver } from './remote-host.driver';

/**
 * The drivers installed in this controller, by name: `local` always; `docker` where an
 * engine answers (unless STRATOS_DOCKER=off); `swarm` where that engine (or STRATOS_SWARM's) is
 * a swarm manager; and one more per region of STRATOS_REGIONS, `<driver>@<region>` (a Docker
 * engine of its own, a swarm's manager, a folder of its own — of this host, or of another whose
 * controller runs its members: RemoteHostDriver).
 */
@Injectable()
export class DriverRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DriverRegistry.name);
  private readonly drivers = new Map<string, IaasDriver>();
  /** Where each installed driver's region is: an engine's endpoint or a folder. */
  private readonly endpoints = new Map<string, string>();
  /** Where local regions of other hosts are asked for (made with the first). */
  private hostChannel: HostDriverChannel | undefined;

  constructor(private readonly settings: ControllerSettings) {
    const membersDir = join(settings.home, 'members');
    this.install(new LocalProcessDriver({ membersDir, volumesDir: join(settings.home, 'volumes'), agentEntry: settings.agentEntry, sandbox: settings.localSandbox }), resolve(settings.home));
    // Local regions: a folder each, and a loopback block each (members of two regions on one machine never share an address).
    const blocks = new Set([loopbackBlockOf(membersDir)]);
    for (const { region, endpoint, host } of this.regions('local')) {
      const name = regionDriverName('local', region);
      if (host !== undefined && host !== settings.hostId) {
        // Another host's folder: its controller runs the region's members, asked over the broker.
        this.hostChannel ??= new HostDriverChannel({ mqttUrl: settings.mqttUrl, caCert: settings.mqttCaCert, controllerId: settings.controllerId ?? `cc-${process.pid}` });
        this.install(new RemoteHostDriver(name, host, region, this.hostChannel), `${endpoint}?host=${host}`);
        continue;
      }
      let block = loopbackBlockOf(join(endpoint, 'members'));
      while (blocks.has(block)) block = (block % 254) + 1;
      blocks.add(block);
      this.install(new LocalProcessDriver({ name, membersDir: join(endpoint, 'members'), volumesDir: join(endpoint, 'volumes'), agentEntry: settings.agentEntry, sandbox: settings.localSandbox, loopbackBlock: block }), endpoint);
    }
    for (const [name, driver] of Object.entries(settings.drivers ?? {})) this.drivers.set(name, driver);
  }

  async onModuleInit(): Promise<void> {
    await this.installSwarms();
    if (this.settings.docker === 'off' || this.settings.drivers?.docker) return;
    if (await DockerDriver.available()) {
      await this.installDocker(DEFAULT_REGION, undefined, process.env.DOCKER_HOST || 'unix:///var/run/docker.sock');
    } else if (this.settings.docker === 'on') {
      throw new Error('STRATOS_DOCKER=on, but no Docker engine answers (docker info)');
    }
    // A region's engine is installed whether it answers now or not: `stratos region list` says which, and its members wait for it.
    for (const { region, endpoint, platformHost } of this.regions('docker')) await this.installDocker(region, dockerEngineAt(endpoint), endpoint, platformHost);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const driver of this.drivers.values()) await driver.close?.();
    await this.hostChannel?.close();
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

  /** Each installed driver's region and where it is. */
  regionsInstalled(): { driverName: string; driver: string; region: string; endpoint: string }[] {
    return [...this.endpoints].map(([driverName, endpoint]) => ({ driverName, ...parseRegionDriverName(driverName), endpoint }));
  }

  private regions(driver: RegionEndpoint['driver']): RegionEndpoint[] {
    return (this.settings.regions ?? []).filter((r) => r.driver === driver);
  }

  private install(driver: IaasDriver, endpoint: string): void {
    this.drivers.set(driver.name, driver);
    this.endpoints.set(driver.name, endpoint);
  }

  /** The default region's swarm (STRATOS_SWARM: auto finds it in the default engine), and each swarm region's. */
  private async installSwarms(): Promise<void> {
    const swarm = this.settings.swarm ?? 'auto';
    if (this.settings.drivers?.swarm) return;
    if (swarm === 'auto') {
      const endpoint = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
      if (this.settings.docker !== 'off' && (await SwarmDriver.isManager(dockerEngineAt(endpoint)))) await this.installSwarm(DEFAULT_REGION, dockerEngineAt(endpoint), endpoint);
    } else if (swarm !== 'off') {
      await this.installSwarm(DEFAULT_REGION, dockerEngineAt(swarm), swarm);
    }
    for (const { region, endpoint, platformHost } of this.regions('swarm')) await this.installSwarm(region, dockerEngineAt(endpoint), endpoint, platformHost);
  }

  private async installSwarm(region: string, engine: ReturnType<typeof dockerEngineAt>, endpoint: string, platformHost = this.settings.swarmPlatformHost): Promise<void> {
    const name = regionDriverName('swarm', region);
    const onPlatformHost = (host: string) => {
      // A node labelled stratos.platform-host: its members reach the platform there (the embedded broker listens there too).
      this.logger.log(`swarm${region === DEFAULT_REGION ? '' : ` region ${region}`}: members on nodes labelled ${PLATFORM_HOST_LABEL}=${host} reach the platform at ${host}`);
      process.send?.({ type: MEMBER_GATEWAY_MESSAGE, host });
    };
    const swarm = new SwarmDriver({ name, platformId: await platformIdOf(this.settings.home), home: resolve(this.settings.home), docker: engine, platformHost, nodeSocket: this.settings.swarmNodeSocket, onPlatformHost });
    this.install(swarm, endpoint);
    try {
      if (!(await SwarmDriver.isManager(engine))) throw new Error('it is not a manager of an active swarm');
      const host = await swarm.platformHost();
      this.logger.log(`Swarm manager${region === DEFAULT_REGION ? '' : ` of region ${region}`} at ${endpoint}: members run on its nodes and reach the platform at ${host}`);
      process.send?.({ type: MEMBER_GATEWAY_MESSAGE, host });
    } catch (error) {
      this.logger.warn(`the swarm manager${region === DEFAULT_REGION ? '' : ` of region ${region}`} at ${endpoint} cannot run members now: ${(error as Error).message}; its partitions' members wait for it`);
    }
  }

  private async installDocker(region: string, engine: ReturnType<typeof dockerEngineAt> | undefined, endpoint: string, platformHost?: string): Promise<void> {
    const name = regionDriverName('docker', region);
    const docker = new DockerDriver({ name, platformId: await platformIdOf(this.settings.home), home: resolve(this.settings.home), docker: engine, platformHost });
    this.install(docker, endpoint);
    try {
      const { name: network, gateway } = await docker.memberNetwork();
      const reached = platformHost ?? gateway;
      this.logger.log(`Docker engine${region === DEFAULT_REGION ? '' : ` of region ${region} (${endpoint})`} found: members on the network ${network}, reaching the platform at ${reached}${platformHost ? ' (its ?platform=)' : ''}`);
      // Started by npm start: the parent owns the embedded broker, which must listen where members reach it (every region's gateway, or its ?platform=).
      process.send?.({ type: MEMBER_GATEWAY_MESSAGE, host: reached });
    } catch (error) {
      this.logger.warn(`the Docker engine of region ${region} (${endpoint}) does not answer: ${(error as Error).message}; its partitions' members wait for it`);
    }
  }
}
