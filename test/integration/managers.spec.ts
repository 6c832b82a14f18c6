/**
 * Managers are stateless: any number of them on one database and broker, behind a load
 * balancer. A token one issued works on another, a write through one is read through the other,
 * and a topology feed cut on one resumes on another from its last revision, with no gap.
 */
import { startStratosManager, type RunningManager } from '../../apps/stratos-manager/src/stratos-manager';
import { topologyRevisions } from '../support/databases';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';
import { aCartridge } from '../factories/cartridge.factory';

/** The revisions and types of the events the feed sends, until `enough` says stop. */
async function readFeed(url: string, token: string, lastEventId: number | null, enough: (ids: number[]) => boolean): Promise<{ ids: number[]; types: string[] }> {
  const stop = new AbortController();
  const response = await fetch(`${url}/api/topology/events`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId !== null ? { 'last-event-id': String(lastEventId) } : {}) }, signal: stop.signal });
  expect(response.status).toBe(200);
  const ids: number[] = [];
  const types: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const timer = setTimeout(() => stop.abort(), 20_000);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(message)?.[1];
        const type = /^event: (.+)$/m.exec(message)?.[1];
        // Not the position marker (an id, no event) each feed starts with.
        if (id && type) {
          ids.push(Number(id));
          types.push(type);
        }
      }
      if (enough(ids)) break;
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    throw new Error(`the feed sent ${ids.join(', ') || 'nothing'} within 20 s`);
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  return { ids, types };
}

describe('managers, several on one database and broker', () => {
  let platform: TestPlatform;
  let second: RunningManager;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
    second = await startStratosManager({ databaseUrl: platform.databaseUrl, mqttUrl: platform.broker.url, mqttCaCert: platform.broker.caCert, home: platform.home, host: '127.0.0.1', port: 0, rpcTimeoutMs: 10_000, bodyLimitBytes: 1024 * 1024, tokenTtlHours: 1 }, { logger: false });
    await until('the second manager sees the controller', async () => ((await (await fetch(`${second.url}/api/health`)).json()) as { cloudController: string }).cloudController === 'up', 30_000);
  });
  afterAll(async () => {
    await second?.close();
    await platform?.stop();
  });

  it("takes the other's token, and serves what was written through the other", async () => {
    const headers = { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' };
    const created = await fetch(`${second.url}/api/cartridges`, { method: 'POST', headers, body: JSON.stringify(aCartridge({ type: 'through-second' })) });
    expect(created.status).toBe(201);
    expect((await platform.api('GET', '/cartridges/through-second')).status).toBe(200);
  });

  it('resumes a topology feed cut on one manager on the other, from its last revision, with no gap', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'feed-1' }));
    const first = await readFeed(platform.manager.url, platform.adminToken, 0, (ids) => ids.length >= 1);
    const last = first.ids[first.ids.length - 1];
    // Meanwhile, more happens (written through either manager).
    await platform.post('/cartridges', aCartridge({ type: 'feed-2' }));
    await fetch(`${second.url}/api/cartridges`, { method: 'POST', headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(aCartridge({ type: 'feed-3' })) });
    const revisions = await topologyRevisions(platform.databaseUrl); // committed before each POST answered
    const newest = revisions[revisions.length - 1];
    expect(newest).toBeGreaterThanOrEqual(last + 2);
    const resumed = await readFeed(second.url, platform.adminToken, last, (ids) => ids.includes(newest));
    expect(resumed.ids).toEqual(Array.from({ length: newest - last }, (_, i) => last + 1 + i));
    expect(resumed.types.slice(-2)).toEqual(['ServiceCreated', 'ServiceCreated']);
  });
});
