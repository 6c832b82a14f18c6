/**
 * The controller's RPC edge checks every request as the API checks a body: a request published
 * straight to the broker (past the manager) with a NUL, a lone surrogate or a prototype key is
 * answered Invalid with its pointer, and changes nothing; one past its deadline is not carried out.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { Topics, type RpcReply } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { rowCounts } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe("the controller's RPC edge", () => {
  let platform: TestPlatform;
  let client: MqttClient;
  const replies = new Map<string, RpcReply<unknown>>();

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    client = await mqtt.connectAsync(platform.broker.url, { clientId: `rpc-test-${randomUUID()}` });
    client.on('message', (_topic, payload) => {
      const packet = JSON.parse(payload.toString()) as { id: string; response?: RpcReply<unknown> };
      if (packet.response) replies.set(packet.id, packet.response);
    });
    await client.subscribeAsync(`${Topics.cartridges.create}/reply`, { qos: 1 });
  });
  afterAll(async () => {
    await client?.endAsync();
    await platform?.stop();
  });

  /** A request as Nest's MQTT client sends one (raw JSON text, so that a __proto__ key survives). */
  const request = async (dataJson: string) => {
    const id = randomUUID();
    await client.publishAsync(Topics.cartridges.create, `{"pattern":"${Topics.cartridges.create}","id":"${id}","data":${dataJson}}`, { qos: 1 });
    return until(`the reply to ${id}`, async () => replies.get(id));
  };

  it.each([
    ['a NUL in a string', JSON.stringify({ actor: { username: 'admin' }, definition: aCartridge({ type: 'nul\u0000' }) }), '/definition/type', /NUL/],
    ['an unpaired surrogate', JSON.stringify({ actor: { username: 'admin' }, definition: aCartridge({ description: 'half \ud800 a pair' }) }), '/definition/description', /surrogate/],
    ['a prototype key', `{"actor":{"username":"admin"},"definition":{"__proto__":{"polluted":true},"type":"proto"}}`, '/definition/__proto__', /not accepted|prototype/],
  ])('refuses %s, naming where', async (_name, data, pointer, message) => {
    const before = await rowCounts(platform.databaseUrl);
    const reply = await request(data);
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID', errors: [{ path: pointer, message: expect.stringMatching(message) }] } });
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('does not carry out a request that comes after its deadline (its caller stopped waiting), and says so', async () => {
    const before = await rowCounts(platform.databaseUrl);
    const reply = await request(JSON.stringify({ actor: { username: 'admin' }, definition: aCartridge({ type: 'too-late' }), strict: false, deadline: Date.now() - 1000 }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/after its caller stopped waiting/) } });
    expect(await rowCounts(platform.databaseUrl)).toEqual(before);
    expect((await platform.api('GET', '/cartridges/too-late')).status).toBe(404);
  });

  it('still answers a good request', async () => {
    const reply = await request(JSON.stringify({ actor: { username: 'admin' }, definition: aCartridge({ type: 'straight-in' }), strict: false }));
    expect(reply).toMatchObject({ ok: true });
    expect((await platform.api('GET', '/cartridges/straight-in')).status).toBe(200);
  });
});
