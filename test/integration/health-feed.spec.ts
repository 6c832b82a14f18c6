/**
 * Members' health on the live feed: `GET /api/topology/events?health=true` adds `MemberHealth`
 * events (no id, not stored) with each member's load, memory and requests in flight as the
 * controller writes them; `stratos topology watch --health` prints them. A tenant's user watching
 * sees no member of an application it did not sign up to (fenced by the admin's stream having seen
 * two batches meanwhile); a bad `health` value is refused at its parameter. The runtime view, whole
 * and paged, carries each member's latest health as written. The manager hears the health topic
 * only while someone watches it, and the controller publishes health only then.
 */
import mqtt from 'mqtt';
import { brokerTrust } from '@stratos/runtime';
import { Topics, type ApplicationRuntime, type MemberHealthBatch } from '@stratos/contracts';
import { aCartridge } from '../factories/cartridge.factory';
import { anApplication, anApplicationPolicy, aNetworkPartition, aDeploymentPolicy, aSubscription } from '../factories/definition.factory';
import { runCli } from '../support/cli';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

/** Reads an SSE stream, keeping each event's name and data. */
function watch(url: string, token: string) {
  const events: { event: string; data: any; id: string | null }[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    const reader = response.body!.getReader();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += Buffer.from(value).toString();
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const data = lines.find((l) => l.startsWith('data: '));
        if (!data) continue;
        events.push({ event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message', data: JSON.parse(data.slice(6)), id: lines.find((l) => l.startsWith('id: '))?.slice(4) ?? null });
      }
    }
  })().catch(() => undefined);
  return {
    events,
    health: () => events.filter((e) => e.event === 'MemberHealth').map((e) => e.data as MemberHealthBatch),
    async close() {
      abort.abort();
      await done;
    },
  };
}

describe("members' health on the live feed", () => {
  let platform: TestPlatform;
  let tenantToken: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes', healthIntervalS: 1 });
    await platform.post('/tenants', { tenantDomain: 'watcher.org', admin: 'wendy', adminPassword: 'wendy-admin-password', email: 'wendy@watcher.org' });
    tenantToken = (await platform.api('POST', '/tokens', { token: null, body: { username: 'wendy@watcher.org', password: 'wendy-admin-password' } })).body.token;
    await platform.post('/networkPartitions', aNetworkPartition({ id: 'np-here', provider: 'local', partitions: [{ id: 'here' }] }));
    await platform.post('/deploymentPolicies', aDeploymentPolicy({ id: 'dp-here', networkPartitions: [{ id: 'np-here', partitions: [{ id: 'here', partitionMax: 2 }] }] }));
    await platform.post('/applicationPolicies', anApplicationPolicy({ id: 'ap-here', networkPartitions: ['np-here'] }));
    await platform.post('/cartridges', aCartridge({ type: 'quiet', portMapping: [], iaasProvider: [{ type: 'local', imageId: 'agent' }] }));
    await platform.post('/applications', anApplication({ applicationId: 'pulse', components: { cartridges: [aSubscription('quiet', 'pulse', { cartridgeMin: 1, cartridgeMax: 1, subscribableInfo: { alias: 'pulse', deploymentPolicy: 'dp-here' } })] } }));
    await platform.post('/applications/pulse/deploy/ap-here', undefined, 202);
    await until('pulse Active', async () => (await platform.runtime('pulse')).status === 'Active', 60_000);
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it("streams each member's health to those who ask, and a tenant's users none of another's", async () => {
    const [member] = (await platform.runtime('pulse')).clusters[0].members;
    const admin = watch(`${platform.url}/api/topology/events?health=true`, platform.adminToken);
    const tenant = watch(`${platform.url}/api/topology/events?health=true`, tenantToken);
    const plain = watch(`${platform.url}/api/topology/events`, platform.adminToken);
    try {
      const seen = await until('two health batches naming the member', async () => {
        const batches = admin.health().filter((b) => b.members.some((m) => m.memberId === member.memberId));
        return batches.length >= 2 ? batches : undefined;
      }, 30_000);
      const mine = seen[1].members.find((m) => m.memberId === member.memberId)!;
      expect(mine).toEqual({ applicationId: 'pulse', clusterId: 'pulse.pulse', memberId: member.memberId, health: expect.objectContaining({ loadAverage: expect.any(Number), memoryConsumption: expect.any(Number), timestamp: expect.any(String) }) });
      expect(admin.events.filter((e) => e.event === 'MemberHealth').every((e) => e.id === null)).toBe(true); // not resumable: no id
      // Two batches reached the admin: the tenant's stream (open as long) got none of pulse's, the plain stream none at all.
      expect(tenant.health().flatMap((b) => b.members)).toEqual([]);
      expect(plain.health()).toEqual([]);
    } finally {
      await Promise.all([admin.close(), tenant.close(), plain.close()]);
    }

    const refused = await platform.api('GET', '/topology/events?health=yes');
    expect([refused.status, refused.body.errors]).toEqual([400, [{ path: '?health', message: 'must be one of true, false', allowed: ['true', 'false'] }]]);

    // The CLI prints one line per member and batch (it follows until stopped: stopped at that line, or after 30 s).
    const line = new RegExp(`MemberHealth\\s+${member.memberId}\\s+load [\\d.]+ %\\s+memory [\\d.]+ %`);
    const printed = await runCli(['topology', 'watch', '--health'], { env: { STRATOS_URL: platform.url, STRATOS_TOKEN: platform.adminToken }, timeoutMs: 30_000, until: line });
    expect(printed.stdout).toMatch(line);
  }, 90_000);

  it("shows each member's latest health in the runtime view, whole and paged", async () => {
    const [member] = (await platform.runtime('pulse')).clusters[0].members;
    const healthIn = async (query: string) => (await platform.api<ApplicationRuntime>('GET', `/applications/pulse/runtime${query}`)).body.clusters[0].members.find((m) => m.memberId === member.memberId)?.health;
    // Written in batches: the first view that has it, then a later batch's (its report's timestamp moves on).
    const first = await until('the runtime view carries its health', () => healthIn(''), 30_000);
    expect(first).toEqual(expect.objectContaining({ loadAverage: expect.any(Number), memoryConsumption: expect.any(Number), timestamp: expect.any(String) }));
    const later = await until('a later report in the paged view', async () => {
      const health = await healthIn('?members=1');
      return health && health.timestamp > first!.timestamp ? health : undefined;
    }, 30_000);
    expect(Date.parse(later.timestamp)).toBeGreaterThan(Date.parse(first!.timestamp));
  }, 90_000);

  it("hears members' health from the broker only while someone watches it, and the controller publishes it only then (at 10,000 members: megabytes a second nobody reads)", async () => {
    const [member] = (await platform.runtime('pulse')).clusters[0].members;
    const healthHeard = async () => {
      const text = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
      return Number(/^stratos_manager_feed_messages_total\{kind="health"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const healthAt = async () => (await platform.api<ApplicationRuntime>('GET', '/applications/pulse/runtime')).body.clusters[0].members.find((m) => m.memberId === member.memberId)?.health?.timestamp ?? '';
    // A fence: the controller wrote (and published) two more batches of health meanwhile.
    const twoBatchesLater = async () => {
      for (let i = 0; i < 2; i++) {
        const seen = await healthAt();
        await until('a later health batch', async () => (await healthAt()) > seen, 30_000);
      }
    };
    // What the broker carries on the health topic, heard by a client that is not a manager (it says nothing to the controllers).
    const onTheWire = await mqtt.connectAsync(platform.broker.url, { ...brokerTrust(platform.broker.caCert), clientId: `test-health-wire-${Math.random().toString(16).slice(2)}` });
    let published = 0;
    onTheWire.on('message', () => published++);
    await onTheWire.subscribeAsync(Topics.health.members, { qos: 0 });
    try {
      await twoBatchesLater(); // the earlier test's watchers are gone by now
      const unwatched = await healthHeard();
      published = 0;
      await twoBatchesLater();
      expect(await healthHeard()).toBe(unwatched);
      expect(published).toBe(0);

      const admin = watch(`${platform.url}/api/topology/events?health=true`, platform.adminToken);
      try {
        await until('a health batch on the watcher', async () => admin.health().length > 0, 30_000);
        expect(await healthHeard()).toBeGreaterThan(unwatched);
        expect(published).toBeGreaterThan(0);
      } finally {
        await admin.close();
      }
      await twoBatchesLater();
      const afterWatch = await healthHeard();
      published = 0;
      await twoBatchesLater();
      expect(await healthHeard()).toBe(afterWatch);
      expect(published).toBe(0);
    } finally {
      await onTheWire.endAsync(true);
    }
  }, 120_000);
});
