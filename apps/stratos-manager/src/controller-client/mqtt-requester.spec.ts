import { ServerMqtt } from '@nestjs/microservices';
import mqtt, { type MqttClient } from 'mqtt';
import { throwError } from 'rxjs';
import { Topics } from '@stratos/contracts';
import { startEmbeddedBroker, type EmbeddedBrokerHandle } from '@stratos/runtime';
import { MqttRequester, RequestTimeout } from './mqtt-requester';

/** Against Nest's own MQTT server on a real broker: the wire format is Nest's, both ways. */
describe('MqttRequester', () => {
  let broker: EmbeddedBrokerHandle;
  let server: ServerMqtt;
  const clients: MqttClient[] = [];
  let releaseHung: () => void = () => undefined;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    server = new ServerMqtt({ url: broker.url });
    const handler = (body: (data: { n: number }) => Promise<unknown>) => Object.assign(body, { isEventHandler: false });
    server.addHandler(Topics.cartridges.create, handler(async (data) => ({ ok: true, data: { doubled: data.n * 2 } })));
    // An error the server sends as such (the controller's handlers answer with RpcReply; Nest's exception layer sends `err`).
    server.addHandler(Topics.cartridges.remove, handler(async () => throwError(() => 'refused by the handler')));
    server.addHandler(Topics.cartridges.update, handler(() => new Promise((resolve) => (releaseHung = () => resolve({ ok: true, data: 'late' })))));
    await new Promise<void>((resolve, reject) => server.listen((error?: unknown) => (error ? reject(error as Error) : resolve())));
  });

  afterAll(async () => {
    releaseHung();
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await server.close();
    await broker.stop();
  });

  async function requester(): Promise<MqttRequester> {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    clients.push(client);
    const requester = new MqttRequester(client);
    client.on('message', (topic, payload) => {
      if (requester.isReply(topic)) requester.handleReply(payload);
    });
    await client.subscribeAsync([...MqttRequester.replyTopics], { qos: 1 });
    return requester;
  }

  it('subscribes every request topic’s reply topic once', () => {
    expect(MqttRequester.replyTopics).toContain(`${Topics.cartridges.create}/reply`);
    expect(MqttRequester.replyTopics).toContain(`${Topics.applications.deploy}/reply`);
    expect(new Set(MqttRequester.replyTopics).size).toBe(MqttRequester.replyTopics.length);
  });

  it('gives each of many concurrent requests its own reply, beside another requester on the same topic', async () => {
    const [mine, other] = [await requester(), await requester()];
    const numbers = Array.from({ length: 50 }, (_, n) => n);
    const [replies, othersReplies] = await Promise.all([
      Promise.all(numbers.map((n) => mine.send(Topics.cartridges.create, { n }, 5000))),
      Promise.all(numbers.map((n) => other.send(Topics.cartridges.create, { n: n + 1000 }, 5000))),
    ]);
    expect(replies).toEqual(numbers.map((n) => ({ ok: true, data: { doubled: n * 2 } })));
    expect(othersReplies).toEqual(numbers.map((n) => ({ ok: true, data: { doubled: (n + 1000) * 2 } })));
    expect(mine.inFlight).toBe(0);
    expect(other.inFlight).toBe(0);
  });

  it("fails with the server's error when the handler fails", async () => {
    const mine = await requester();
    await expect(mine.send(Topics.cartridges.remove, { n: 1 }, 5000)).rejects.toThrow('refused by the handler');
    expect(mine.inFlight).toBe(0);
  });

  it('times out a request with no reply, and ignores the reply that comes after', async () => {
    const mine = await requester();
    await expect(mine.send(Topics.cartridges.update, { n: 1 }, 300)).rejects.toBeInstanceOf(RequestTimeout);
    expect(mine.inFlight).toBe(0);
    releaseHung();
    // The late reply arrives before this one (the server answers in order on one connection) and changes nothing.
    await expect(mine.send(Topics.cartridges.create, { n: 2 }, 5000)).resolves.toEqual({ ok: true, data: { doubled: 4 } });
    expect(mine.inFlight).toBe(0);
  });

  it('fails every waiting request when told to', async () => {
    const mine = await requester();
    const waiting = mine.send(Topics.cartridges.update, { n: 1 }, 5000);
    mine.failAll('stopping');
    await expect(waiting).rejects.toThrow('stopping');
    expect(mine.inFlight).toBe(0);
  });
});
