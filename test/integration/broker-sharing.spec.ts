/**
 * Whether controllers may share requests through `$share/…` is the broker's answer, asked as
 * MQTT 5 asks it (apps/cloud-controller/src/broker-sharing.ts): aedes refuses MQTT 5 (no sharing),
 * Mosquitto shares — unless its ACL refuses the platform's user a shared subscription, which would
 * leave the shared requests unserved: then no sharing either, with the reason.
 */
import mqtt from 'mqtt';
import { brokerTrust } from '@stratos/runtime';
import { brokerSharing } from '../../apps/cloud-controller/src/broker-sharing';
import { availableBrokers, startBroker, type TestBroker } from '../support/brokers';

describe.each(availableBrokers())('whether %s shares subscriptions', (kind) => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startBroker(kind);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it(kind === 'aedes' ? 'aedes: no, it refuses MQTT 5' : 'Mosquitto: yes, for the platform’s user', async () => {
    const answer = await brokerSharing(broker.url, broker.caCert);
    if (kind === 'aedes') expect(answer).toEqual({ shares: false, reason: expect.stringContaining('the broker refuses MQTT 5 (Connection refused: Unacceptable protocol version)') });
    else expect(answer).toEqual({ shares: true });
  });

  if (kind !== 'aedes') {
    it('Mosquitto: no, for a user its ACL does not let share, saying which subscription to allow', async () => {
      // A user of dynamic security with no role: subscribing is denied by default.
      const admin = await mqtt.connectAsync(broker.url, { ...brokerTrust(broker.caCert), clientId: `test-dynsec-${Math.random().toString(16).slice(2)}` });
      try {
        await admin.subscribeAsync('$CONTROL/dynamic-security/v1/response', { qos: 1 });
        const answered = new Promise<string>((resolve) => admin.once('message', (_topic, payload) => resolve(payload.toString())));
        await admin.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands: [{ command: 'createClient', username: 'no-share', password: 'no-share-pw' }] }), { qos: 1 });
        expect(await answered).not.toContain('error');
      } finally {
        await admin.endAsync(true);
      }
      const url = new URL(broker.url);
      url.username = 'no-share';
      url.password = 'no-share-pw';
      expect(await brokerSharing(url.toString(), broker.caCert)).toEqual({ shares: false, reason: expect.stringMatching(/refuses this user the subscription \$share\/stratos-controllers\/stratos\/cc\/sharing-probe \(Subscribe error: Not authorized\)/) });
    });
  }
});
