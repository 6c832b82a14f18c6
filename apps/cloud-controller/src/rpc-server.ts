import { ServerMqtt, type MessageHandler, type MqttOptions } from '@nestjs/microservices';
import type { MqttClient } from 'mqtt';
import type { Logger as Pino } from 'pino';
import { withMessageLogging } from '@stratos/runtime';

/** Topics remembered at most (request topics are a few dozen; agents' carry their member's id). */
const REMEMBERED_TOPICS = 10_000;
/** Request ids remembered to drop a second delivery: minutes of requests at the rates measured here. */
const REMEMBERED_REQUESTS = 50_000;

/**
 * Which request topics a controller subscribes to, and how. `share`: the broker has shared
 * subscriptions, and these topics are subscribed as `$share/<group>/<topic>` (every controller
 * serves them, the broker gives each request to one); null: every topic plain (aedes: the
 * leader serves all). `sharedOnly`: a standing-by controller serves the shared topics and no other.
 */
export interface RequestSubscriptions {
  share: { group: string; topics: ReadonlySet<string> } | null;
  sharedOnly: boolean;
}

/** The topic filter a handler's topic is subscribed with, or null when this controller does not serve it. */
export function requestFilterOf(topic: string, subscriptions: RequestSubscriptions): string | null {
  const shared = subscriptions.share?.topics.has(topic) ?? false;
  if (subscriptions.sharedOnly && !shared) return null;
  return shared ? `$share/${subscriptions.share!.group}/${topic}` : topic;
}

/**
 * Nest's MQTT server, finding each topic's handler once, and subscribing to the topics this
 * controller serves as `requestFilterOf` says. Nest's own lookup runs for every message: it
 * JSON.parses the topic (a SyntaxError thrown and caught for each one) and then tries every
 * pattern — about a tenth of the controller's work per request. Handlers are all registered
 * before the first message, so a topic's handler never changes. A message of a shared
 * subscription arrives with its plain topic, so the lookup and the reply topic are the same.
 * With `root`, each message is handled in the context of its own logger (withMessageLogging).
 *
 * A request (a message with an `id`) is served once: QoS 1 is "at least once", and a broker may
 * deliver one twice — aedes did, to the platform's request session taken over by a new leader
 * while the request was being published. A second delivery of an id this process has seen is
 * dropped: the first one's reply is the request's reply (ids are unique: a manager's random
 * prefix and a counter). Agents' messages carry no `id` and are not concerned.
 */
export class RequestServerMqtt extends ServerMqtt {
  private readonly handlerOfTopic = new Map<string, MessageHandler | null>();
  /** The last REMEMBERED_REQUESTS request ids, oldest first. */
  private readonly servedRequestIds = new Set<string>();
  /** The packet handleMessage parsed, handed to Nest's handleMessage through parseMessage (one parse per message). */
  private parsedAhead: (ReturnType<ServerMqtt['parseMessage']> & { id?: unknown }) | undefined;

  constructor(
    private readonly mqttOptions: Required<MqttOptions>['options'],
    private readonly subscriptions: RequestSubscriptions = { share: null, sharedOnly: false },
    private readonly root?: Pino,
  ) {
    super(mqttOptions);
  }

  bindEvents(client: MqttClient): void {
    client.on('message', this.getMessageHandler(client).bind(this));
    const globalOptions = this.mqttOptions.subscribeOptions;
    for (const [pattern, { isEventHandler, extras }] of this.messageHandlers) {
      const filter = isEventHandler ? (this.subscriptions.sharedOnly ? null : pattern) : requestFilterOf(pattern, this.subscriptions);
      if (filter === null) continue;
      // The platform's request session outlives its controllers: one that served this topic plain (before the broker shared) must not get it twice.
      if (filter !== pattern) client.unsubscribe(pattern);
      client.subscribe(filter, extras?.qos !== undefined ? { ...globalOptions, qos: extras.qos } : globalOptions);
    }
  }

  async handleMessage(channel: string, buffer: Buffer, pub: MqttClient, originalPacket?: Record<string, unknown>): Promise<unknown> {
    const packet = super.parseMessage(buffer.toString()) as ReturnType<ServerMqtt['parseMessage']> & { id?: unknown };
    if (typeof packet?.id === 'string') {
      if (this.servedRequestIds.has(packet.id)) {
        this.logger.warn(`request ${packet.id} on ${channel} delivered again by the broker: served once, this delivery dropped`);
        return;
      }
      this.servedRequestIds.add(packet.id);
      if (this.servedRequestIds.size > REMEMBERED_REQUESTS) this.servedRequestIds.delete(this.servedRequestIds.values().next().value!);
    }
    this.parsedAhead = packet;
    return super.handleMessage(channel, buffer, pub, originalPacket); // calls parseMessage first, synchronously
  }

  parseMessage(content: unknown): ReturnType<ServerMqtt['parseMessage']> {
    const packet = this.parsedAhead;
    this.parsedAhead = undefined;
    return packet ?? super.parseMessage(content);
  }

  getHandlerByPattern(topic: string): MessageHandler | null {
    const known = this.handlerOfTopic.get(topic);
    if (known !== undefined) return known;
    const found = super.getHandlerByPattern(topic);
    const handler = found && this.root ? Object.assign(withMessageLogging(this.root, topic, found), found) : found;
    if (this.handlerOfTopic.size >= REMEMBERED_TOPICS) this.handlerOfTopic.clear();
    this.handlerOfTopic.set(topic, handler);
    return handler;
  }
}
