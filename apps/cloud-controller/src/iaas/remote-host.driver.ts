import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Topics } from '@stratos/contracts';
import type { ActualInstance, IaasDriver, LaunchedInstance, LaunchSpec } from '@stratos/iaas';
import { brokerTrust, ReplySubscription, withoutNagle } from '@stratos/runtime';
import type { HostDriverOp, HostDriverReply, HostDriverRequest } from './host-driver.protocol';

/** A driver call that got no answer in time: the host's controller is away (or the broker is). */
export class HostNotAnswering extends Error {}

/** How long a call to a host that did not answer its last one waits: a host that is down costs each reconcile pass this, not a full timeout. */
const SILENT_HOST_TIMEOUT_MS = 1000;

interface Pending {
  hostId: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * This controller's one connection for asking other hosts' controllers (HostDriverRequest):
 * connected at the first call, its reply topic subscribed (again at every connection) before any
 * request is sent on it.
 */
export class HostDriverChannel {
  private connection: { client: MqttClient; replies: ReplySubscription } | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private sequence = 0;
  private readonly replyTopic: string;
  /** Hosts whose last call got no answer: asked with a short timeout until one answers. */
  private readonly silentHosts = new Set<string>();

  constructor(private readonly options: { mqttUrl: string; caCert?: string; controllerId: string }) {
    this.replyTopic = Topics.hosts.replies(options.controllerId);
  }

  /**
   * Calls `op` of host `hostId`'s local region `region`; rejects with HostNotAnswering after
   * `timeoutMs` (a second, while that host answered none of the last calls), or with the host's error.
   */
  call(hostId: string, region: string, op: HostDriverOp, args: unknown[], timeoutMs: number): Promise<unknown> {
    const { client, replies } = this.connect();
    const id = `${this.idPrefix}-${(this.sequence += 1)}`;
    const request: HostDriverRequest = { id, replyTo: this.replyTopic, region, op, args };
    const waitMs = this.silentHosts.has(hostId) ? Math.min(timeoutMs, SILENT_HOST_TIMEOUT_MS) : timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.silentHosts.add(hostId);
        reject(new HostNotAnswering(`the controller of host ${hostId} did not answer ${op} within ${waitMs} ms (is it running, and connected to the broker?)`));
      }, waitMs);
      this.pending.set(id, { hostId, resolve, reject, timer });
      void replies
        .listening()
        .then(() => client.publishAsync(Topics.hosts.driver(hostId), JSON.stringify(request), { qos: 1 }))
        .catch((error: Error) => {
          if (!this.pending.delete(id)) return;
          clearTimeout(timer);
          reject(error);
        });
    });
  }

  async close(): Promise<void> {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new Error('the controller is stopping'));
    }
    await this.connection?.client.endAsync(true).catch(() => undefined);
    this.connection = null;
  }

  private connect(): { client: MqttClient; replies: ReplySubscription } {
    if (this.connection) return this.connection;
    const client = withoutNagle(
      mqtt.connect(this.options.mqttUrl, {
        ...brokerTrust(this.options.caCert),
        clientId: `stratos-cc-hosts-${this.options.controllerId}-${randomBytes(3).toString('hex')}`.slice(0, 200),
        reconnectPeriod: 1000,
        connectTimeout: 5000,
        resubscribe: false, // ReplySubscription subscribes again before anything is sent
      }),
    );
    client.on('error', () => undefined); // a call that gets no answer says so
    client.on('message', (topic, payload) => {
      if (topic !== this.replyTopic) return;
      let reply: HostDriverReply;
      try {
        reply = JSON.parse(payload.toString()) as HostDriverReply;
      } catch {
        return;
      }
      const pending = typeof reply?.id === 'string' ? this.pending.get(reply.id) : undefined;
      if (!pending) return; // late, or answered twice (a request delivered twice)
      this.pending.delete(reply.id);
      clearTimeout(pending.timer);
      this.silentHosts.delete(pending.hostId);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new Error(String(reply.error)));
    });
    this.connection = { client, replies: new ReplySubscription(client, [this.replyTopic]) };
    return this.connection;
  }
}

/** How long a call may take on the host (a launch waits for the agent's process to start). */
const TIMEOUT_MS = { quick: 5_000, launch: 60_000, health: 1_500 } as const;

/**
 * A local region of another host (`local:<region>=<folder>?host=<host-id>`): every call goes to
 * that host's controller, which runs it with its own local driver of the region. Its instances
 * are that host's processes, and its members record that host as theirs (hostId): a controller
 * leading there later finds them its own. Volumes and images are not copied to or from such a
 * region (no streams over the broker): a member's data stays on its host.
 */
export class RemoteHostDriver implements IaasDriver {
  constructor(
    readonly name: string,
    readonly hostId: string,
    private readonly region: string,
    private readonly channel: HostDriverChannel,
  ) {}

  launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    return this.call('launch', [spec], TIMEOUT_MS.launch) as Promise<LaunchedInstance>;
  }

  async terminate(instanceId: string, options: { graceMs: number }): Promise<void> {
    await this.call('terminate', [instanceId, options], options.graceMs + TIMEOUT_MS.quick);
  }

  async freeze(instanceId: string): Promise<void> {
    await this.call('freeze', [instanceId], TIMEOUT_MS.quick);
  }

  async thaw(instanceId: string): Promise<void> {
    await this.call('thaw', [instanceId], TIMEOUT_MS.quick);
  }

  list(): Promise<ActualInstance[]> {
    return this.call('list', [], TIMEOUT_MS.quick) as Promise<ActualInstance[]>;
  }

  imageExists(imageId: string): Promise<boolean> {
    return this.call('imageExists', [imageId], TIMEOUT_MS.quick) as Promise<boolean>;
  }

  logs(instanceId: string, options: { tailBytes: number; cursor?: string }): Promise<{ text: string; cursor: string }> {
    return this.call('logs', [instanceId, options], TIMEOUT_MS.quick) as Promise<{ text: string; cursor: string }>;
  }

  async removeVolumes(clusterId: string, volumeIds: string[]): Promise<void> {
    await this.call('removeVolumes', [clusterId, volumeIds], TIMEOUT_MS.quick);
  }

  async health(): Promise<{ answers: boolean; reason?: string }> {
    try {
      return (await this.call('health', [], TIMEOUT_MS.health)) as { answers: boolean; reason?: string };
    } catch (error) {
      return { answers: false, reason: (error as Error).message };
    }
  }

  private call(op: HostDriverOp, args: unknown[], timeoutMs: number): Promise<unknown> {
    return this.channel.call(this.hostId, this.region, op, args, timeoutMs);
  }
}
