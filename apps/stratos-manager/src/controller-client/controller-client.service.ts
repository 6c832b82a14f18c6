import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClientMqtt } from '@nestjs/microservices';
import mqtt, { type MqttClient } from 'mqtt';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { DomainError, ErrorCode, RPC_DEADLINE_FIELD, Topics, type RpcReply, type RequestTopic } from '@stratos/contracts';
import { brokerTrust, currentRequestId, withTimeout, withoutNagle } from '@stratos/runtime';
import { ManagerMetrics } from '../metrics/manager-metrics.service';
import { ManagerSettings } from '../config';

/**
 * Nest 12's ClientMqtt unsubscribes from `<topic>/reply` once no request is pending, and a
 * reply racing that unsubscribe is lost (under concurrency; on aedes even sequentially).
 * Keep the reply subscription for the life of the connection.
 */
class DurableReplyClientMqtt extends ClientMqtt {
  protected unsubscribeFromChannel(channel: string): void {
    this.subscriptionsCount.set(channel, Math.max(1, (this.subscriptionsCount.get(channel) ?? 1) - 1));
  }

  /** Nagle off on its socket: a request is one small write, and the next must not wait for the broker's delayed ACK. */
  createClient(): ReturnType<ClientMqtt['createClient']> {
    return withoutNagle(super.createClient());
  }

  /** Requests at QoS 1: one sent while no controller leads waits in the controllers' session for the next leader. */
  protected mergePacketOptions(requestOptions?: Parameters<ClientMqtt['mergePacketOptions']>[0]) {
    return { ...super.mergePacketOptions(requestOptions), qos: 1 as const };
  }
}

/** Request/response to the cloud controller; every call answers or fails within the timeout. */
@Injectable()
export class ControllerClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ControllerClient.name);
  private readonly client: DurableReplyClientMqtt;
  /** From the controller's retained presence message; a down controller fails fast. */
  private controllerOnline: boolean | undefined;
  /** Presence topics of the controllers connected now; requests go to any of them. */
  private readonly onlineControllers = new Set<string>();
  /** Controllers standing by: while one does, a request waits for its takeover (up to the timeout) instead of failing at once. */
  private readonly standbyControllers = new Set<string>();
  private presence: MqttClient;

  constructor(
    private readonly settings: ManagerSettings,
    private readonly metrics: ManagerMetrics,
  ) {
    this.client = new DurableReplyClientMqtt({
      ...brokerTrust(settings.mqttCaCert),
      url: settings.mqttUrl,
      clientId: `stratos-manager-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    });
  }

  async onModuleInit(): Promise<void> {
    this.presence = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
      ...brokerTrust(this.settings.mqttCaCert),
      clientId: `stratos-manager-presence-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
    }));
    this.presence.on('connect', () => this.presence.subscribe(Topics.controllerPresence.all, { qos: 1 }));
    this.metrics.connections.trackBroker('controller-presence', () => this.presence.connected);
    this.presence.on('close', () => {
      this.onlineControllers.clear();
      this.standbyControllers.clear();
      this.controllerOnline = undefined;
    });
    this.presence.on('error', () => undefined); // the request path reports what matters
    this.presence.on('message', (topic, payload) => {
      let status: string | undefined;
      try {
        status = payload.length > 0 ? (JSON.parse(payload.toString()) as { status?: string }).status : undefined;
      } catch {
        status = undefined;
      }
      for (const [set, wanted] of [[this.onlineControllers, 'online'], [this.standbyControllers, 'standby']] as const) {
        if (status === wanted) set.add(topic);
        else set.delete(topic);
      }
      this.controllerOnline = this.onlineControllers.size > 0;
    });
    // Do not block start-up on the broker: requests fail with 503 until it answers.
    this.client.connect().catch((error: Error) => this.logger.warn(`MQTT broker not reachable yet: ${error?.message ?? error}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.presence?.endAsync(true);
    await this.client.close();
  }

  get isControllerOnline(): boolean | undefined {
    return this.controllerOnline;
  }

  /** Sends one request; a domain failure is rethrown as the same DomainError. */
  async request<T>(topic: RequestTopic, payload: unknown): Promise<T> {
    if (this.controllerOnline === false && this.standbyControllers.size === 0) {
      throw new DomainError(ErrorCode.Unavailable, 'the cloud controller is not connected; retry when it is back');
    }
    let reply: RpcReply<T>;
    const done = this.metrics.rpc.startTimer({ topic: topic.replace(/^stratos\/cc\//, '') });
    try {
      await withTimeout(this.client.connect(), this.settings.rpcTimeoutMs, () => new ConnectTimeout());
      const deadline = Date.now() + this.settings.rpcTimeoutMs;
      reply = await firstValueFrom(this.client.send<RpcReply<T>>(topic, withRequestContext(payload, deadline)).pipe(timeout(this.settings.rpcTimeoutMs)));
      done({ outcome: reply.ok ? 'ok' : 'refused' });
    } catch (error) {
      done({ outcome: 'unavailable' });
      const why = error instanceof TimeoutError || error instanceof ConnectTimeout ? `no answer within ${this.settings.rpcTimeoutMs} ms` : String((error as Error)?.message ?? error);
      throw new DomainError(ErrorCode.Unavailable, `the cloud controller is unavailable (${why}); retry later`);
    }
    if (!reply.ok) throw new DomainError(reply.error.code, reply.error.message, reply.error.errors);
    return reply.data;
  }
}

class ConnectTimeout extends Error {}

/**
 * The HTTP request's id travels with the RPC (the controller's log lines for it carry the same
 * id), and its deadline: a request that waited in the broker past it (no controller led) is not
 * carried out — its caller was told the controller was unavailable.
 */
function withRequestContext(payload: unknown, deadline: number): unknown {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const requestId = currentRequestId();
  return { ...payload, ...(requestId ? { requestId } : {}), [RPC_DEADLINE_FIELD]: deadline };
}

