/**
 * The controller's dynamic-security commands (each member's broker identity on Mosquitto) across
 * a broker restart: a command asked while the broker is away is answered once it is back (mqtt.js
 * sends what it queued before it subscribes again, so the plugin's answer went nowhere, and the
 * reconcile pass that asked waited on a publish); one the broker stays away for fails within its
 * timeout, saying so, and the next works.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { AgentTopics } from '@stratos/contracts';
import { ControllerSettings } from '../../apps/cloud-controller/src/controller-settings';
import { MemberCredentials, type BrokerCredentials } from '../../apps/cloud-controller/src/runtime/member-credentials.service';
import { availableBrokers, startBroker, type TestBroker } from '../support/brokers';

/** Whether the identity signs in and may publish on its member's own topic. */
async function signsIn(credentials: BrokerCredentials, memberId: string): Promise<void> {
  const client = await mqtt.connectAsync(credentials.url, { username: credentials.username, password: credentials.password, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await client.publishAsync(AgentTopics.health(memberId), '{}', { qos: 1 });
  } finally {
    await client.endAsync(true);
  }
}

(availableBrokers().includes('mosquitto') ? describe : describe.skip)('dynamic-security commands across a broker restart', () => {
  let broker: TestBroker;
  let home: string;
  let credentials: MemberCredentials;

  beforeAll(async () => {
    broker = await startBroker('mosquitto');
    home = await mkdtemp(join(tmpdir(), 'stratos-dynsec-'));
    credentials = new MemberCredentials(
      new ControllerSettings({ databaseUrl: 'postgres://unused', mqttUrl: broker.url, mqttDynsec: true, home, agentEntry: 'unused', reconcileIntervalMs: 1000, memberStartTimeoutMs: 1000 }),
    );
  });
  afterAll(async () => {
    await credentials?.onApplicationShutdown();
    await broker?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('answers a member identity asked for while the broker is away, once it is back', async () => {
    await signsIn(await credentials.issue({ memberId: 'before-1', clusterId: 'c-1' }), 'before-1');
    const restarted = broker.restart(2000);
    // Asked once the broker is gone (its kill -9 is done within the restart's first tick).
    await new Promise((r) => setTimeout(r, 200));
    const issued = credentials.issue({ memberId: 'during-1', clusterId: 'c-1' });
    await restarted;
    await signsIn(await issued, 'during-1');
  }, 30_000);

  it('fails within its timeout, saying so, while the broker stays away; the next one works', async () => {
    const restarted = broker.restart(7000);
    await new Promise((r) => setTimeout(r, 200));
    await expect(credentials.issue({ memberId: 'during-2', clusterId: 'c-1' })).rejects.toThrow(/no answer from the broker's dynamic security to createRole/);
    await restarted;
    await signsIn(await credentials.issue({ memberId: 'after-2', clusterId: 'c-1' }), 'after-2');
  }, 30_000);
});
