import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { regionDriverName, Topics } from '@stratos/contracts';
import type { IaasDriver, LaunchSpec } from '@stratos/iaas';
import { acquireHostLock, type HeldHostLock } from '@stratos/persistence';
import { brokerTrust, withoutNagle } from '@stratos/runtime';
import { ControllerSettings } from '../controller-settings';
import { DriverRegistry } from './driver-registry.service';
import { parseHostDriverRequest, type HostDriverReply, type HostDriverRequest } from './host-driver.protocol';

/** Requests remembered by id: one the broker delivers twice (QoS 1) is done once. */
const REMEMBERED = 1000;

/**
 * Runs this host's local regions (`local:<region>=<folder>?host=<this host's id>`) for the other
 * controllers: the driver calls they send (RemoteHostDriver) are done here with this host's
 * local driver of the region, and answered. Leader or standing by, one controller of the host
 * serves at a time (acquireHostLock); another of the same host takes over when it goes.
 */
@Injectable()
export class HostDriverServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostDriverServer.name);
  private readonly stop = new AbortController();
  private serving: Promise<void> = Promise.resolve();
  private readonly done = new Map<string, Promise<HostDriverReply>>();

  constructor(
    private readonly settings: ControllerSettings,
    private readonly drivers: DriverRegistry,
  ) {}

  /** This host's local regions that other controllers reach through it. */
  private regions(): string[] {
    const hostId = this.settings.hostId;
    return (this.settings.regions ?? []).filter((r) => r.driver === 'local' && r.host !== undefined && r.host === hostId).map((r) => r.region);
  }

  onApplicationBootstrap(): void {
    if (!this.settings.hostId || this.regions().length === 0) return;
    this.serving = this.serve(this.settings.hostId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.serving;
  }

  private async serve(hostId: string): Promise<void> {
    const controllerId = this.settings.controllerId ?? `cc-${process.pid}`;
    const stopped = new Promise<void>((resolve) => this.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!this.stop.signal.aborted) {
      let lock: HeldHostLock | null = null;
      let client: MqttClient | null = null;
      try {
        const onWaiting = () => this.logger.log(`another controller of this host serves its local regions (${this.regions().join(', ')}); standing by for them`);
        lock = await acquireHostLock({ url: this.settings.databaseUrl, hostId, controllerId, signal: this.stop.signal, onWaiting });
        if (!lock) break;
        const topic = Topics.hosts.driver(hostId);
        client = withoutNagle(mqtt.connect(this.settings.mqttUrl, { ...brokerTrust(this.settings.mqttCaCert), clientId: `stratos-cc-host-${controllerId}-${randomBytes(3).toString('hex')}`.slice(0, 200), reconnectPeriod: 1000 }));
        const serving = client;
        serving.on('error', () => undefined); // the broker away: reconnected
        serving.on('message', (_topic, payload) => void this.answer(serving, payload));
        await serving.subscribeAsync(topic, { qos: 1 });
        this.logger.log(`serving this host's local region${this.regions().length > 1 ? 's' : ''} ${this.regions().join(', ')} (host ${hostId}) to the other controllers`);
        const error = await Promise.race([lock.lost, stopped.then(() => null)]);
        if (error) this.logger.warn(`no longer serving this host's local regions: ${error.message}; asking again`);
      } catch (error) {
        this.logger.warn(`this host's local regions are not served to the other controllers now: ${(error as Error).message}; trying again`);
      } finally {
        await client?.endAsync(true).catch(() => undefined);
        await lock?.release();
      }
      if (!this.stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  private async answer(client: MqttClient, payload: Buffer): Promise<void> {
    const parsed = parseHostDriverRequest(payload);
    if ('issues' in parsed) {
      const why = parsed.issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
      this.logger.warn(`a driver request refused: ${why}`);
      if (parsed.id && parsed.replyTo) await this.reply(client, parsed.replyTo, { id: parsed.id, ok: false, error: `refused: ${why}` });
      return;
    }
    const { request } = parsed;
    let reply = this.done.get(request.id);
    if (!reply) {
      reply = this.run(request);
      this.done.set(request.id, reply);
      if (this.done.size > REMEMBERED) this.done.delete(this.done.keys().next().value!);
    }
    await this.reply(client, request.replyTo, await reply);
  }

  private async run(request: HostDriverRequest): Promise<HostDriverReply> {
    const driver = this.regions().includes(request.region) ? this.drivers.get(regionDriverName('local', request.region)) : undefined;
    if (!driver) return { id: request.id, ok: false, error: `host ${this.settings.hostId} has no local region "${request.region}" (its own: ${this.regions().join(', ') || 'none'}): STRATOS_REGIONS must say the same on every controller` };
    try {
      return { id: request.id, ok: true, value: await call(driver, request) };
    } catch (error) {
      return { id: request.id, ok: false, error: (error as Error).message };
    }
  }

  private async reply(client: MqttClient, topic: string, reply: HostDriverReply): Promise<void> {
    await client.publishAsync(topic, JSON.stringify(reply), { qos: 1 }).catch((error: Error) => this.logger.warn(`a driver request's answer not sent: ${error.message}`));
  }
}

/** One driver call, its arguments checked for what the driver relies on. */
async function call(driver: IaasDriver, { op, args }: HostDriverRequest): Promise<unknown> {
  const text = (i: number) => {
    if (typeof args[i] !== 'string') throw new Error(`${op}: argument ${i} is not a string`);
    return args[i] as string;
  };
  const object = <T>(i: number) => {
    if (typeof args[i] !== 'object' || args[i] === null || Array.isArray(args[i])) throw new Error(`${op}: argument ${i} is not an object`);
    return args[i] as T;
  };
  switch (op) {
    case 'launch': {
      const spec = object<LaunchSpec>(0);
      if (typeof spec.memberId !== 'string' || typeof spec.clusterId !== 'string' || typeof spec.env !== 'object') throw new Error('launch: not a launch spec (memberId, clusterId, env)');
      return driver.launch(spec);
    }
    case 'terminate':
      return driver.terminate(text(0), { graceMs: Number(object<{ graceMs: number }>(1).graceMs) || 0 });
    case 'freeze':
      if (!driver.freeze) throw new Error(`${driver.name} cannot freeze an instance`);
      return driver.freeze(text(0));
    case 'thaw':
      if (!driver.thaw) throw new Error(`${driver.name} cannot thaw an instance`);
      return driver.thaw(text(0));
    case 'list':
      return driver.list();
    case 'imageExists':
      return driver.imageExists(text(0));
    case 'logs':
      return driver.logs(text(0), object<{ tailBytes: number; cursor?: string }>(1));
    case 'removeVolumes': {
      const ids = args[1];
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new Error('removeVolumes: argument 1 is not a list of volume ids');
      return driver.removeVolumes(text(0), ids as string[]);
    }
    case 'health':
      return (await driver.health?.()) ?? { answers: true };
  }
}
