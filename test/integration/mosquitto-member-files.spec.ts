/**
 * The member files on a real Mosquitto when the broker misses the signal to read them again
 * (Mosquitto clears its reload flag after a reload: a signal that comes during one is lost). A
 * relay stands where the pid file points: it drops the first SIGHUP and passes the next ones on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { MosquittoMemberFiles } from '../../apps/cloud-controller/src/runtime/mosquitto-member-files';
import { availableBrokers, startBroker, type TestBroker } from '../support/brokers';

const RELAY = `
let seen = 0;
process.on('SIGHUP', () => {
  seen += 1;
  if (seen > 1) process.kill(Number(process.env.TARGET), 'SIGHUP');
  process.send({ seen });
});
process.send({ ready: true });
setInterval(() => {}, 1 << 30);
`;

// availableBrokers says why Mosquitto is missing (and fails in CI).
const withMosquitto = availableBrokers({ memberFiles: true }).includes('mosquitto-files');

(withMosquitto ? describe : describe.skip)('member files on Mosquitto', () => {
  let broker: TestBroker;
  let relay: ChildProcess;
  let signalsSeen = 0;

  beforeAll(async () => {
    broker = await startBroker('mosquitto-files');
    const mosquittoPid = (await readFile(broker.memberFiles!.pidFile, 'utf8')).trim();
    relay = spawn(process.execPath, ['-e', RELAY], { env: { ...process.env, TARGET: mosquittoPid }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => relay.on('message', (m: { ready?: boolean; seen?: number }) => (m.seen ? (signalsSeen = m.seen) : resolve())));
  });
  afterAll(async () => {
    relay?.kill('SIGKILL');
    await broker?.stop();
  });

  it('tells the broker again while a new user is refused, and the user is accepted', async () => {
    const relayPidFile = join(broker.memberFiles!.dir, '..', 'relay.pid');
    await writeFile(relayPidFile, `${relay.pid}\n`);
    const files = new MosquittoMemberFiles({ dir: broker.memberFiles!.dir, pidFile: relayPidFile, brokerUrl: bareUrl(broker.url), reloadTimeoutMs: 8_000 });

    await files.put('stratos-member-late', 'its-password', { write: ['stratos/test/out'], read: [] });

    expect(signalsSeen).toBeGreaterThanOrEqual(2); // the first was dropped: the broker was told again
    const client = await mqtt.connectAsync(bareUrl(broker.url), { username: 'stratos-member-late', password: 'its-password', reconnectPeriod: 0 });
    await client.endAsync(true);
  });
});

function bareUrl(url: string): string {
  const bare = new URL(url);
  bare.username = '';
  bare.password = '';
  return bare.toString();
}
