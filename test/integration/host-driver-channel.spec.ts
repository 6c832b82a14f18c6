/**
 * The channel a controller asks other hosts' controllers through (RemoteHostDriver): answers come
 * back to the call that asked; a host that does not answer fails the call after its timeout, and
 * while it stays silent its next calls wait a second only (a host that is down must not cost every
 * reconcile pass a full timeout per call) — until it answers again.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Topics } from '@stratos/contracts';
import { HostDriverChannel } from '../../apps/cloud-controller/src/iaas/remote-host.driver';
import { parseHostDriverRequest, type HostDriverReply } from '../../apps/cloud-controller/src/iaas/host-driver.protocol';
import { startBroker, type TestBroker } from '../support/brokers';

describe('the host driver channel', () => {
  let broker: TestBroker;
  let channel: HostDriverChannel;
  let host: MqttClient | undefined;

  beforeAll(async () => {
    broker = await startBroker('aedes');
    channel = new HostDriverChannel({ mqttUrl: broker.url, controllerId: 'cc-test' });
  });
  afterAll(async () => {
    await channel?.close();
    await host?.endAsync(true);
    await broker?.stop();
  });

  /** A host's controller that answers every list with its region's name. */
  const serveHost = async (hostId: string) => {
    const client = await mqtt.connectAsync(broker.url, { clientId: `host-${hostId}` });
    client.on('message', (_topic, payload) => {
      const parsed = parseHostDriverRequest(payload);
      if (!('request' in parsed)) return;
      const reply: HostDriverReply = { id: parsed.request.id, ok: true, value: [`${parsed.request.op} of ${parsed.request.region}`] };
      void client.publishAsync(parsed.request.replyTo, JSON.stringify(reply), { qos: 1 });
    });
    await client.subscribeAsync(Topics.hosts.driver(hostId), { qos: 1 });
    return client;
  };

  it('fails calls to a silent host fast after the first timeout, and answers again once the host does', async () => {
    await expect(channel.call('host-x', 'lab', 'list', [], 3000)).rejects.toThrow('the controller of host host-x did not answer list within 3000 ms');
    await expect(channel.call('host-x', 'lab', 'list', [], 3000)).rejects.toThrow('did not answer list within 1000 ms');
    host = await serveHost('host-x');
    await expect(channel.call('host-x', 'lab', 'list', [], 3000)).resolves.toEqual(['list of lab']);
    // Answered: the full timeout again (a second host's silence is its own).
    await expect(channel.call('host-y', 'lab', 'health', [], 1500)).rejects.toThrow('did not answer health within 1500 ms');
    await expect(Promise.all([channel.call('host-x', 'lab', 'list', [], 3000), channel.call('host-x', 'west', 'health', [], 3000)])).resolves.toEqual([['list of lab'], ['health of west']]);
  }, 30_000);
});
