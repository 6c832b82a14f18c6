import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { brokerTrust, withoutNagle } from '@stratos/runtime';
import mqtt, { type MqttClient } from 'mqtt';
import { safeUrl, Topics, type MemberHealthBatch, type TopologyEvent } from '@stratos/contracts';
import { ManagerSettings } from '../config';
import { ManagerMetrics } from '../metrics/manager-metrics.service';

type Listener = (event: TopologyEvent) => void;
type HealthListener = (batch: MemberHealthBatch) => void;

/** The live topology events (and members' health, for those who ask) from MQTT, fanned out to every watcher of this manager. */
@Injectable()
export class TopologyFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TopologyFeed.name);
  private readonly listeners = new Set<Listener>();
  private readonly healthListeners = new Set<HealthListener>();
  private readonly changeListeners = new Set<() => void>();
  private client: MqttClient;
  private readonly feedId = `${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  /** Says to controllers whether this manager has health watchers (retained; its Last Will clears it). */
  private readonly watchingTopic = Topics.health.watchers.of(this.feedId);

  constructor(
    private readonly settings: ManagerSettings,
    private readonly metrics: ManagerMetrics,
  ) {}

  onModuleInit(): void {
    this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
      ...brokerTrust(this.settings.mqttCaCert),
      clientId: `stratos-manager-feed-${this.feedId}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      will: { topic: this.watchingTopic, payload: Buffer.alloc(0), qos: 1, retain: true },
    }));
    this.client.on('connect', () => {
      this.client.subscribe(Topics.topology.all, { qos: 1 });
      if (this.healthListeners.size > 0) this.watchHealth(true);
      this.changed(); // events may have been missed while it was away (a clean session)
    });
    this.metrics.connections.trackBroker('topology-feed', () => this.client.connected);
    this.client.on('error', (error) => this.logger.warn(`MQTT (${safeUrl(this.settings.mqttUrl)}): ${error.message}`));
    this.client.on('message', (topic, payload) => {
      const health = topic === Topics.health.members;
      this.metrics.feed.inc({ kind: health ? 'health' : 'topology' });
      if (!health) this.changed();
      if ((health ? this.healthListeners : this.listeners).size === 0) return; // nobody watching: not parsed (each event carries whole definitions)
      let message: unknown;
      try {
        message = JSON.parse(payload.toString());
      } catch {
        return;
      }
      if (!health) for (const listener of this.listeners) listener(message as TopologyEvent);
      else if (Array.isArray((message as Partial<MemberHealthBatch>).members)) for (const listener of this.healthListeners) listener(message as MemberHealthBatch);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    this.changeListeners.clear();
    if (this.healthListeners.size > 0 && this.client?.connected) await this.client.publishAsync(this.watchingTopic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined);
    this.healthListeners.clear();
    await this.client?.endAsync(true);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether this manager hears the topology events now (connected to the broker). */
  get listening(): boolean {
    return this.client?.connected ?? false;
  }

  /** Called at every topology event (unparsed) and at every (re)connect: whatever was read before may have changed. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /**
   * Members' health, while this listener wants it. The manager hears the health topic only while
   * someone watches it, and says so to the controllers, which publish health only then: at 10,000
   * members it is megabytes a second that nobody would read. (A new watcher's first batch is the
   * next one a controller writes after it heard the word, seconds away.)
   */
  subscribeHealth(listener: HealthListener): () => void {
    this.healthListeners.add(listener);
    if (this.healthListeners.size === 1 && this.client?.connected) this.watchHealth(true);
    return () => {
      if (this.healthListeners.delete(listener) && this.healthListeners.size === 0 && this.client?.connected) this.watchHealth(false);
    };
  }

  /** Subscribed first, then the word to the controllers (and the other way round when it stops): no batch published for it goes unheard. */
  private watchHealth(watching: boolean): void {
    if (watching) {
      this.client.subscribe(Topics.health.members, { qos: 0 });
      this.client.publish(this.watchingTopic, JSON.stringify({ watching: true, since: new Date().toISOString() }), { qos: 1, retain: true });
    } else {
      this.client.publish(this.watchingTopic, Buffer.alloc(0), { qos: 1, retain: true });
      this.client.unsubscribe(Topics.health.members);
    }
  }
}
