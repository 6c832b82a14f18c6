import { ServerMqtt, type MessageHandler, type MqttOptions } from '@nestjs/microservices';

/** Topics remembered at most (request topics are a few dozen; agents' carry their member's id). */
const REMEMBERED_TOPICS = 10_000;

/**
 * Nest's MQTT server, finding each topic's handler once. Its own lookup runs for every message:
 * it JSON.parses the topic (a SyntaxError thrown and caught for each one) and then tries every
 * pattern — about a tenth of the controller's work per request. Handlers are all registered
 * before the first message, so a topic's handler never changes.
 */
export class RequestServerMqtt extends ServerMqtt {
  private readonly handlerOfTopic = new Map<string, MessageHandler | null>();

  constructor(options: Required<MqttOptions>['options']) {
    super(options);
  }

  getHandlerByPattern(topic: string): MessageHandler | null {
    const known = this.handlerOfTopic.get(topic);
    if (known !== undefined) return known;
    const handler = super.getHandlerByPattern(topic);
    if (this.handlerOfTopic.size >= REMEMBERED_TOPICS) this.handlerOfTopic.clear();
    this.handlerOfTopic.set(topic, handler);
    return handler;
  }
}
