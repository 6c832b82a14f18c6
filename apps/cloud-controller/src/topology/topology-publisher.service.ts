import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { brokerTrust, withoutNagle } from '@stratos/runtime';
import mqtt, { type MqttClient } from 'mqtt';
import { MemberTopics, safeUrl, Topics, topologyTopic, type LeaderAsked, type MemberControlMessage, type MemberHealthBatch, type TopologyEvent } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { ControllerMetrics } from '../metrics/controller-metrics.service';

const FLUSH_INTERVAL_MS = 5_000;
const PUBLISH_TIMEOUT_MS = 5_000;
/**
 * Published events are marked so in one UPDATE per this while, not one commit each on the
 * request's path (at 20 ms: 50 statements a second under load; a crash re-sends at most this
 * while's events, which watchers drop by revision).
 */
const MARK_DELAY_MS = 200;

/**
 * Publishes topology events (QoS 1) from the outbox table after their transaction commits,
 * and keeps the controller's retained presence (its Last Will says 'offline').
 */
@Injectable()
export class TopologyPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TopologyPublisher.name);
  private client: MqttClient;
  private flushTimer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  /** Published, not yet marked in the outbox: a flush meanwhile must not send them again. */
  private readonly unmarked = new Set<number>();
  /** Sent, not yet acknowledged: a flush meanwhile must not send them again either. */
  private readonly inFlight = new Set<number>();
  private marking: NodeJS.Timeout | null = null;
  private asking: { reconcile: boolean; touched: Set<string>; relays: LeaderAsked[]; sending?: boolean } | null = null;
  private readonly controllerId = `${hostname()}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  private readonly presenceTopic = Topics.controllerPresence.of(this.controllerId);
  /** Managers that have someone watching members' health now (their retained word): health is published only while there is one. */
  private readonly healthWatchers = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly settings: ControllerSettings,
    private readonly metrics: ControllerMetrics,
  ) {}

  /** A standing-by controller publishes the events of the requests it serves, and no presence: its 'standby' is said elsewhere, and the leader flushes the outbox. */
  private get leads(): boolean {
    return this.settings.role !== 'standby';
  }

  async onApplicationBootstrap(): Promise<void> {
    this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
      ...brokerTrust(this.settings.mqttCaCert),
      clientId: `stratos-cc-events-${this.controllerId}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      ...(this.leads ? { will: { topic: this.presenceTopic, payload: Buffer.alloc(0), qos: 1 as const, retain: true } } : {}),
    }));
    this.metrics.connections.trackBroker('topology-publisher', () => this.client.connected);
    this.client.on('error', (error) => this.logger.warn(`MQTT (${safeUrl(this.settings.mqttUrl)}): ${error.message}`));
    this.client.on('connect', () => {
      // The retained words come again with the subscription; one cleared meanwhile does not.
      this.healthWatchers.clear();
      this.client.subscribe(Topics.health.watchers.all, { qos: 1 });
    });
    const watchersPrefix = Topics.health.watchers.of('');
    this.client.on('message', (topic, payload) => {
      if (!topic.startsWith(watchersPrefix)) return;
      if (payload.length > 0) this.healthWatchers.add(topic.slice(watchersPrefix.length));
      else this.healthWatchers.delete(topic.slice(watchersPrefix.length));
    });
    if (!this.leads) return;
    this.client.on('connect', () => {
      this.client.publish(this.presenceTopic, JSON.stringify({ status: 'online', since: new Date().toISOString() }), { qos: 1, retain: true });
      void this.flush();
    });
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    if (this.client?.connected && this.leads) {
      // Acknowledged after every event sent before it (one connection, in order): then they are all marked.
      await this.client.publishAsync(this.presenceTopic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined);
    }
    await this.markPublished();
    if (!this.client) return;
    await this.client.endAsync();
  }

  /**
   * A standing-by controller asks the leader for what only the leader does (a reconcile pass,
   * metadata trees) and relays what it heard from agents, gathered over a tick into one message.
   * Lost only if the broker is away; the leader's periodic pass, its metadata rebuild on reconnect
   * and the agents' next reports cover that.
   */
  askLeader(asked: LeaderAsked): void {
    const pending = (this.asking ??= { reconcile: false, touched: new Set<string>(), relays: [] });
    if (asked.reconcile) pending.reconcile = true;
    for (const id of asked.touched ?? []) pending.touched.add(id);
    if (asked.heard || asked.health || asked.relayed) pending.relays.push(asked);
    if (pending.sending) return;
    pending.sending = true;
    setImmediate(() => {
      this.asking = null;
      const relayed = <K extends 'heard' | 'health' | 'relayed'>(key: K) => pending.relays.flatMap((r) => (r[key] ?? []) as NonNullable<LeaderAsked[K]>[number][]);
      const [heard, health, messages] = [relayed('heard'), relayed('health'), relayed('relayed')];
      const message: LeaderAsked = {
        ...(pending.reconcile ? { reconcile: true } : {}),
        ...(pending.touched.size > 0 ? { touched: [...pending.touched] } : {}),
        ...(heard.length > 0 ? { heard } : {}),
        ...(health.length > 0 ? { health } : {}),
        ...(messages.length > 0 ? { relayed: messages } : {}),
      };
      this.client?.publish(Topics.leader.asked, JSON.stringify(message), { qos: 1 }, (error) => {
        // What it asked, not what it relayed (agents' reports: no place in a log).
        if (error) this.logger.warn(`asking the leader (${[message.reconcile ? 'a pass' : '', message.touched ? `${message.touched.length} application(s)' trees` : '', heard.length ? `${heard.length} agent(s) heard` : ''].filter(Boolean).join(', ')}): ${error.message}`);
      });
    });
  }

  /**
   * A word to a member's agent on its control topic (QoS 1): stop, for one whose instance this
   * controller's driver cannot reach. Not waited for (a pass must not wait on the broker): while
   * the broker is away it is sent once the connection is back.
   */
  tellMember(memberId: string, message: MemberControlMessage): void {
    this.client?.publish(MemberTopics.control(memberId), JSON.stringify(message), { qos: 1 }, (error) => {
      if (error) this.logger.warn(`member ${memberId}: its agent was not told to ${message.type}: ${error.message}`);
    });
  }

  /** Members' health, as last written: for watchers of the live feed only (QoS 0, not stored; the next batch supersedes a lost one), sent only while a manager says someone watches. */
  publishHealth(batch: MemberHealthBatch): void {
    if (!this.client?.connected || batch.members.length === 0 || this.healthWatchers.size === 0) return;
    this.client.publish(Topics.health.members, JSON.stringify(batch), { qos: 0 });
    this.metrics.healthBatchesPublished.inc();
  }

  /**
   * Call after the event's transaction committed. The event goes to the broker in commit order
   * (one connection, QoS 1) and is marked published at its PUBACK: the caller — a request the
   * user waits for — does not wait for that acknowledgement; the outbox already holds the event.
   * One not acknowledged is retried by the next flush.
   */
  async publish(event: TopologyEvent): Promise<void> {
    if (!this.client?.connected) {
      this.logger.warn(`topology event ${event.revision} (${event.type}) not published yet: not connected to the MQTT broker`);
      return;
    }
    this.inFlight.add(event.revision);
    this.send(event)
      .then(() => this.markSoon(event.revision))
      .catch((error: Error) => this.logger.warn(`topology event ${event.revision} (${event.type}) not published yet: ${error.message}`))
      .finally(() => this.inFlight.delete(event.revision));
  }

  /**
   * The outbox learns what was published a moment later, in one statement for all of them. A
   * crash in between leaves them unmarked, and the next controller sends them again — as a crash
   * between a publish and its mark always could: watchers go by revision and drop what they had.
   */
  private markSoon(revision: number): void {
    this.unmarked.add(revision);
    this.marking ??= setTimeout(() => void this.markPublished(), MARK_DELAY_MS);
  }

  private async markPublished(): Promise<void> {
    if (this.marking) clearTimeout(this.marking);
    this.marking = null;
    const revisions = [...this.unmarked];
    if (revisions.length === 0) return;
    try {
      await this.database.topology.markPublished(revisions);
      for (const revision of revisions) this.unmarked.delete(revision);
    } catch (error) {
      this.logger.warn(`marking ${revisions.length} topology event(s) published: ${(error as Error).message} (tried again at the next flush)`);
    }
  }

  /** Publishes what a crash or a broker outage left in the outbox, oldest first; one flush at a time. */
  flush(): Promise<void> {
    // Cleared in .finally, which runs after the assignment: an async body that returns before its
    // first await (not connected) would otherwise clear it first and leave it set for ever — no
    // flush again after the first one that found the broker away.
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    try {
      if (!this.client?.connected) return;
      await this.markPublished(); // what was published and is waiting to be marked goes first, not twice
      const pending = (await this.database.topology.unpublished()).filter((e) => !this.unmarked.has(e.revision) && !this.inFlight.has(e.revision));
      for (const event of pending) {
        await this.send(event);
        await this.database.topology.markPublished([event.revision]);
      }
      if (pending.length > 0) this.logger.log(`published ${pending.length} topology event(s) left from before`);
    } catch (error) {
      this.logger.warn(`outbox flush: ${(error as Error).message}`);
    }
  }

  /**
   * Waits for the broker's PUBACK, but not for ever: a connection that drops mid-publish would
   * otherwise hold the caller (a reconcile pass) until it comes back. What times out stays in
   * the outbox and goes with the next flush.
   */
  private async send(event: TopologyEvent): Promise<void> {
    if (!this.client?.connected) throw new Error('not connected to the MQTT broker');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no PUBACK within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.client.publishAsync(topologyTopic(event.type), JSON.stringify(event), { qos: 1 }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
