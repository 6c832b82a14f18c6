import { jest } from '@jest/globals';
import { ServerMqtt } from '@nestjs/microservices';
import { RequestServerMqtt } from './rpc-server';

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
});
