import { jest } from '@jest/globals';
import { ServerMqtt } from '@nestjs/microservices';
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { RequestServerMqtt, requestFilterOf, type RequestSubscriptions } from './rpc-server';

describe('RequestServerMqtt', () => {
  const server = new RequestServerMqtt({ url: 'mqtt://127.0.0.1:1' });
  const create = Object.assign(async () => 'created', { isEventHandler: false });
  const agentEvent = Object.assign(async () => undefined, { isEventHandler: true });
  server.addHandler('stratos/cc/cartridges/create', create);
  server.addHandler('stratos/agents/+/events', agentEvent, true);

  it('finds the same handlers as Nest does, exact and by wildcard, and none for other topics', () => {
    const nest = new ServerMqtt({ url: 'mqtt://127.0.0.1:1' });
    nest.addHandler('stratos/cc/cartridges/create', create);
    nest.addHandler('stratos/agents/+/events', agentEvent, true);
    for (const topic of ['stratos/cc/cartridges/create', 'stratos/agents/m-1/events', 'stratos/agents/m-1/other', 'stratos/cc/cartridges', 'elsewhere']) {
      expect(server.getHandlerByPattern(topic)).toBe(nest.getHandlerByPattern(topic));
    }
    expect(server.getHandlerByPattern('stratos/agents/m-2/events')).toBe(agentEvent);
    expect(server.getHandlerByPattern('elsewhere')).toBeNull();
  });

  it("looks a topic up once", () => {
    const lookup = jest.spyOn(ServerMqtt.prototype, 'getHandlerByPattern');
    for (let i = 0; i < 3; i++) expect(server.getHandlerByPattern('stratos/agents/m-3/events')).toBe(agentEvent);
    expect(lookup).toHaveBeenCalledTimes(1);
    lookup.mockRestore();
  });

  it('serves a request once when the broker delivers it twice, and every other request', async () => {
    const served: unknown[] = [];
    const once = new RequestServerMqtt({ url: 'mqtt://127.0.0.1:1' });
    once.addHandler('stratos/cc/cartridges/create', Object.assign(async (data: unknown) => (served.push(data), 'created'), { isEventHandler: false }));
    const replies: string[] = [];
    let replied = () => undefined as void;
    const pub = { publish: (topic: string, body: string) => (replies.push(`${topic} ${JSON.parse(body).id}`), replied()) } as unknown as MqttClient;
    const deliver = async (id: string, data: unknown) => {
      const sent = new Promise<void>((resolve) => (replied = resolve));
      await once.handleMessage('stratos/cc/cartridges/create', Buffer.from(JSON.stringify({ pattern: 'stratos/cc/cartridges/create', data, id })), pub);
      return sent;
    };
    await deliver('m-1', { type: 'a' });
    await once.handleMessage('stratos/cc/cartridges/create', Buffer.from(JSON.stringify({ pattern: 'stratos/cc/cartridges/create', data: { type: 'a' }, id: 'm-1' })), pub);
    await deliver('m-2', { type: 'b' }); // after the dropped one: had it been served, its reply would be here first
    expect(served).toEqual([{ type: 'a' }, { type: 'b' }]);
    expect(replies).toEqual(['stratos/cc/cartridges/create/reply m-1', 'stratos/cc/cartridges/create/reply m-2']);
  });

  describe('subscriptions', () => {
    const share = { group: 'g', topics: new Set(['stratos/cc/cartridges/create']) };
    /** What a server with these handlers subscribes to and unsubscribes from when it binds to a client. */
    const bound = (subscriptions: RequestSubscriptions) => {
      const shared = new RequestServerMqtt({ url: 'mqtt://127.0.0.1:1', subscribeOptions: { qos: 1 } }, subscriptions);
      shared.addHandler('stratos/cc/cartridges/create', create);
      shared.addHandler('stratos/cc/applications/deploy', create);
      shared.addHandler('stratos/agents/+/events', agentEvent, true);
      const calls: string[] = [];
      const client = Object.assign(new EventEmitter(), {
        subscribe: (filter: string, options: { qos: number }) => calls.push(`subscribe ${filter} qos ${options.qos}`),
        unsubscribe: (filter: string) => calls.push(`unsubscribe ${filter}`),
      });
      shared.bindEvents(client as unknown as MqttClient);
      return calls;
    };

    it('a leader on a broker without shared subscriptions: every topic plain', () => {
      expect(bound({ share: null, sharedOnly: false })).toEqual(['subscribe stratos/cc/cartridges/create qos 1', 'subscribe stratos/cc/applications/deploy qos 1', 'subscribe stratos/agents/+/events qos 1']);
    });

    it("a leader on a broker that shares: the shared topics through the group (and never plain as well), the leader's own plain", () => {
      expect(bound({ share, sharedOnly: false })).toEqual([
        'unsubscribe stratos/cc/cartridges/create',
        'subscribe $share/g/stratos/cc/cartridges/create qos 1',
        'subscribe stratos/cc/applications/deploy qos 1',
        'subscribe stratos/agents/+/events qos 1',
      ]);
    });

    it('a standing-by controller: the shared requests only (no events either)', () => {
      expect(requestFilterOf('stratos/cc/applications/deploy', { share, sharedOnly: true })).toBeNull();
      expect(bound({ share, sharedOnly: true })).toEqual(['unsubscribe stratos/cc/cartridges/create', 'subscribe $share/g/stratos/cc/cartridges/create qos 1']);
    });
  });
});
