import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { replyTopic, requestTopics, type RequestTopic } from '@stratos/contracts';

/** A request that got no reply in time (the controller is away, or the broker lost it). */
export class RequestTimeout extends Error {}

interface Pending {
  resolve(response: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** What the controller's Nest MQTT server publishes on `<topic>/reply`. */
interface ReplyPacket {
  id?: unknown;
  response?: unknown;
  err?: unknown;
}

/**
 * Request/response to the cloud controller over one MQTT connection, in the wire format of
 * Nest's MQTT transport (`{pattern, data, id}` on the topic, `{id, response, isDisposed}` or
 * `{id, err}` back on `<topic>/reply`), without Nest's client: that one subscribes and
 * unsubscribes reply topics per request (losing replies that race the unsubscribe) and runs
 * every request through an rxjs pipeline — a measurable part of the manager's work per request.
 * Here every reply topic is subscribed once per connection, before any request is sent on it.
 */
export class MqttRequester {
  /** Every reply topic; subscribed at each (re)connection, the connection's only subscriptions for requests. */
  static readonly replyTopics: readonly string[] = requestTopics.map(replyTopic);

  private readonly pending = new Map<string, Pending>();
  /** Unique among managers sharing the reply topics: a random prefix and a counter. */
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(private readonly client: MqttClient) {}

  /** Whether this message was a reply (to this requester or to another manager's request). */
  isReply(topic: string): boolean {
    return topic.endsWith('/reply');
  }

  /** A reply that arrived: settles its request if it is one of ours (replies to other managers' requests come here too). */
  handleReply(payload: Buffer): void {
    let packet: ReplyPacket;
    try {
      packet = JSON.parse(payload.toString()) as ReplyPacket;
    } catch {
      return; // not a reply
    }
    if (typeof packet?.id !== 'string') return;
    const pending = this.pending.get(packet.id);
    if (!pending) return;
    this.pending.delete(packet.id);
    clearTimeout(pending.timer);
    if (packet.err !== undefined && packet.err !== null) pending.reject(new Error(typeof packet.err === 'string' ? packet.err : JSON.stringify(packet.err)));
    else pending.resolve(packet.response);
  }

  /**
   * Publishes one request (QoS 1: one sent while no controller leads waits in the controllers'
   * session for the next leader) and resolves with its reply's response, or fails with
   * RequestTimeout after `timeoutMs`. The caller makes sure the reply topics are subscribed.
   */
  send(topic: RequestTopic, data: unknown, timeoutMs: number): Promise<unknown> {
    const id = `${this.idPrefix}-${(this.sequence += 1)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeout(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.client.publish(topic, JSON.stringify({ pattern: topic, data, id }), { qos: 1 }, (error) => {
        if (!error || !this.pending.delete(id)) return;
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Requests still waiting for their reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Fails every request still waiting (the client is stopping). */
  failAll(why: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new Error(why));
    }
  }
}
