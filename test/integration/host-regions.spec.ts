/**
 * A local region of another host (`local:lab=<folder>?host=<host id>`): the leading controller
 * runs its members through that host's controller, over the broker. Here the "other host" is a
 * controller with a STRATOS_HOME of its own (host id `host-b`), standing by. Its members are
 * launched there (their folders in the region's folder, launched_on host-b), their logs read
 * there, and they are stopped there; while that host's controller is away the region does not
 * answer (saying why) and its members stay as they are, their agents speaking; when it is back the
 * region answers again. Two controllers of one host serve its regions one at a time where the
 * broker shares requests (Mosquitto); on aedes, which does not, the second is refused, saying why.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MemberLogs, RegionView } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, anAutoscalingPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { liveMemberIds } from '../support/processes';
import { availableBrokers } from '../support/brokers';
import { startTestPlatform, until, type ControllerProcess, type TestPlatform } from '../support/platform';

describe.each(availableBrokers())('a local region of another host, over %s', (broker) => {
  let platform: TestPlatform;
  let labFolder: string;
  let homeB: string;
  let hostB: ControllerProcess | undefined;
  const regions = async () => (await platform.api<RegionView[]>('GET', '/regions')).body;
  const lab = async () => (await regions()).find((r) => r.region === 'lab');
  const startHostB = async () => {
    const controller = await platform.startStandbyController({ home: homeB, env: { STRATOS_SECRET_KEY_FILE: join(platform.home, 'secret.key'), LOG_LEVEL: 'info' } });
    await until("host-b's controller serves its region", async () => controller.output().includes("serving this host's local region lab (host host-b)"), 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; it said: ${controller.output().slice(-3000)}`);
    });
    return controller;
  };

  beforeAll(async () => {
    labFolder = await mkdtemp(join(tmpdir(), 'stratos-region-lab-'));
    await chmod(labFolder, 0o755); // members of a root controller run as users of their own
    homeB = await mkdtemp(join(tmpdir(), 'stratos-host-b-'));
    await writeFile(join(homeB, 'host-id'), 'host-b\n');
    platform = await startTestPlatform({ broker, controllerProcess: true, regions: [{ driver: 'local', region: 'lab', endpoint: labFolder, host: 'host-b' }] });
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-lab', provider: 'local', partitions: [{ id: 'lab-a', property: [{ name: 'region', value: 'lab' }] }] }));
    await platform.post('/autoscalingPolicies', anAutoscalingPolicy());
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-lab', networkPartitions: [{ id: 'np-lab', partitions: [{ id: 'lab-a' }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-lab', networkPartitions: ['np-lab'] }));
    await platform.post('/cartridges', aCartridge({ type: 'plain', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'remote', components: { cartridges: [aSubscription('plain', 'remote', { cartridgeMin: 2, cartridgeMax: 2, subscribableInfo: { alias: 'remote', deploymentPolicy: 'dp-lab' } })] } }));
  }, 120_000);
  afterAll(async () => {
    await hostB?.stop('SIGTERM');
    await platform?.stop();
    for (const folder of [labFolder, homeB]) if (folder) await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it("runs the region's members through its host's controller, and leaves them be while that controller is away", async () => {
    // Nobody serves host-b yet: the region does not answer, and says whose it is.
    expect(await lab()).toMatchObject({ driverName: 'local@lab', endpoint: `${labFolder}?host=host-b`, answers: false, reason: expect.stringContaining('the controller of host host-b did not answer') });

    hostB = await startHostB();
    expect(hostB.output()).toContain("this host's id: host-b (STRATOS_HOME/host-id)"); // where a user finds what ?host= names
    await until('the region answers', async () => (await lab())?.answers === true, 30_000);

    await platform.post('/applications/remote/deploy/ap-lab', undefined, 202);
    const members = await until('2 members Active', async () => {
      const found = (await platform.runtime('remote')).clusters[0].members;
      return found.length === 2 && found.every((m) => m.status === 'Active') ? found : undefined;
    }, 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await platform.story('remote')}\nhost-b said: ${hostB?.output().slice(-3000)}`);
    });
    // Launched on host-b: in its folder, recorded as its.
    for (const m of members) {
      expect(m.driver).toBe('local@lab');
      expect(existsSync(join(labFolder, 'members', m.memberId))).toBe(true);
      expect(existsSync(join(platform.home, 'members', m.memberId))).toBe(false);
    }
    const db = new pg.Client({ connectionString: platform.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ launched_on: string }>('SELECT DISTINCT launched_on FROM members WHERE member_id = ANY($1)', [members.map((m) => m.memberId)]);
      expect(rows).toEqual([{ launched_on: 'host-b' }]);
    } finally {
      await db.end();
    }
    // Its logs, read on host-b.
    const logs = await platform.api<MemberLogs>('GET', `/members/${members[0].memberId}/logs?tail=4096`);
    expect(logs.status).toBe(200);
    expect(logs.body.text).toContain('connected to the broker');
    expect((await regions()).find((r) => r.region === 'lab')?.members).toBe(2);

    // A second controller of host-b (the same home) stands by for the region: one serves at a time (the host's lock),
    // and the second takes over when the first is killed — the region answers on, listing the same members.
    // On aedes (no shared subscriptions) a second controller of one host is refused: it would serve nothing.
    const second = await platform.startStandbyController({ home: homeB, env: { STRATOS_SECRET_KEY_FILE: join(platform.home, 'secret.key'), LOG_LEVEL: 'info' } });
    try {
      if (broker === 'aedes') {
        await until('the second controller of host-b refused', async () => second.exitCode() !== null, 30_000);
        expect(second.exitCode()).toBe(1);
        expect(second.output()).toContain('cloud-controller: cannot start: MQTT_URL: another controller of this platform runs on this host (host id host-b');
        expect(second.output()).toContain('such as Mosquitto (MQTT_URL)');
        expect((await lab())?.members).toBe(2); // the first serves on
        await hostB.stop('SIGKILL');
        hostB = undefined;
      } else {
        await until("the second controller of host-b stands by for the region", async () => second.output().includes('another controller of this host serves its local regions (lab)'), 30_000);
        expect(second.output()).not.toContain("serving this host's local region");
        await hostB.stop('SIGKILL');
        hostB = undefined;
        await until('the second controller serves the region', async () => second.output().includes("serving this host's local region lab (host host-b)"), 30_000);
        await until('the region answers, with its members', async () => (await lab())?.members === 2, 30_000);
      }
    } finally {
      // Host-b's controllers gone: the region does not answer; its members are left as they are, their agents speaking.
      await second.stop('SIGKILL');
    }
    await until('the region does not answer', async () => (await lab())?.answers === false, 30_000);
    await platform.reconcilePasses(3);
    expect((await platform.runtime('remote')).clusters[0].members.map((m) => [m.memberId, m.status]).sort()).toEqual(members.map((m) => [m.memberId, 'Active']).sort());

    // Back: the region answers, and the undeploy stops the members there.
    hostB = await startHostB();
    await until('the region answers again', async () => (await lab())?.answers === true, 30_000);
    await platform.post('/applications/remote/undeploy', undefined, 202);
    await until('remote undeployed', async () => (await platform.api('GET', '/applications/remote/runtime')).status === 404, 60_000);
    await until("the members' agents stopped", async () => members.every((m) => !liveMemberIds('').has(m.memberId)), 30_000);
  }, 240_000);
});
