import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import { DomainError, ErrorCode, RPC_DEADLINE_FIELD, Topics, type RpcReply, type RequestTopic } from '@stratos/contracts';
import { brokerTrust, currentRequestId, withoutNagle } from '@stratos/runtime';
import { ManagerMetrics } from '../metrics/manager-metrics.service';
import { ManagerSettings } from '../config';
import { MqttRequester, RequestTimeout } from './mqtt-requester';

/**
 * Request/response to the cloud controller; every call answers or fails within the timeout.
 * One MQTT connection carries the requests, their replies and the controllers' presence.
 */
@Injectable()
export class ControllerClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ControllerClient.name);
  private client: MqttClient;
  private requester: MqttRequester;
  /** Connected, and the reply topics subscribed: requests may be sent. */
  private ready = false;
  private readonly readyWaiters = new Set<() => void>();
  /** From the controllers' retained presence messages; a down controller fails fast. */
  private controllerOnline: boolean | undefined;
  /** Presence topics of the controllers connected now; requests go to any of them. */
  private readonly onlineControllers = new Set<string>();
  /** Controllers standing by: while one does, a request waits for its takeover (up to the timeout) instead of failing at once. */
  private readonly standbyControllers = new Set<string>();

  constructor(
    private readonly settings: ManagerSettings,
    private readonly metrics: ManagerMetrics,
  ) {}

  onModuleInit(): void {
    // Do not block start-up on the broker: requests fail with 503 until it answers.
    this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
      ...brokerTrust(this.settings.mqttCaCert),
      clientId: `stratos-manager-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      // Subscribed again below at every connection, replies before any request is let through.
      resubscribe: false,
    }));
    this.requester = new MqttRequester(this.client);
    this.metrics.connections.trackBroker('controller-requests', () => this.client.connected);
    this.client.on('connect', () => {
      this.client.subscribe([...MqttRequester.replyTopics, Topics.controllerPresence.all], { qos: 1 }, (error) => {
        if (error) {
          this.logger.warn(`subscribing to the controllers' replies: ${error.message}`);
          return;
        }
        this.ready = true;
        for (const wake of this.readyWaiters) wake();
        this.readyWaiters.clear();
      });
    });
    this.client.on('close', () => {
      this.ready = false;
      this.onlineControllers.clear();
      this.standbyControllers.clear();
      this.controllerOnline = undefined;
    });
    let warned = false;
    this.client.on('error', (error) => {
      if (!warned) this.logger.warn(`MQTT broker not reachable yet: ${error.message}`);
      warned = true; // the request path reports the rest
    });
    this.client.on('message', (topic, payload) => {
      if (this.requester.isReply(topic)) this.requester.handleReply(payload);
      else this.controllerPresenceChanged(topic, payload);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.requester?.failAll('the manager is stopping');
    await this.client?.endAsync(true);
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
      const deadline = Date.now() + this.settings.rpcTimeoutMs;
      if (!this.ready) await this.whenReady(this.settings.rpcTimeoutMs);
      reply = (await this.requester.send(topic, withRequestContext(payload, deadline), deadline - Date.now())) as RpcReply<T>;
      done({ outcome: reply.ok ? 'ok' : 'refused' });
    } catch (error) {
      done({ outcome: 'unavailable' });
      const why = error instanceof RequestTimeout || error instanceof ConnectTimeout ? `no answer within ${this.settings.rpcTimeoutMs} ms` : String((error as Error)?.message ?? error);
      throw new DomainError(ErrorCode.Unavailable, `the cloud controller is unavailable (${why}); retry later`);
    }
    if (!reply.ok) throw new DomainError(reply.error.code, reply.error.message, reply.error.errors);
    return reply.data;
  }

  private whenReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(wake);
        reject(new ConnectTimeout());
      }, timeoutMs);
      this.readyWaiters.add(wake);
    });
  }

  private controllerPresenceChanged(topic: string, payload: Buffer): void {
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

