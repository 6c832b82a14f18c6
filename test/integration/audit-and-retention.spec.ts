/**
 * What the platform keeps, and for how long: an audit entry per write (who, from where, what,
 * when, the outcome), kept STRATOS_AUDIT_RETENTION_DAYS; topology events kept
 * STRATOS_EVENT_RETENTION_HOURS, with a snapshot for a watcher resuming from a purged revision.
 */
import pg from 'pg';
import type { AuditEntry } from '@stratos/contracts';
import { AuditRetention } from '../../apps/stratos-manager/src/audit/audit.module';
import { TopologyRetention } from '../../apps/cloud-controller/src/topology/topology-retention.service';
import { sinceTime } from '../../apps/cli/src/commands/audit.command';
import { aCartridge } from '../factories/cartridge.factory';
import { startTestPlatform, until, type TestPlatform } from '../support/platform';

describe('audit log and retention', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ broker: 'aedes' });
  });
  afterAll(async () => {
    await platform?.stop();
  });

  const audit = async (query = '') => {
    const response = await platform.api<AuditEntry[]>('GET', `/audit${query}`);
    expect(response.status).toBe(200);
    return { entries: response.body, total: Number(response.headers.get('x-total-count')) };
  };

  it('records every write — done, refused or unauthenticated — and no read', async () => {
    const login = await platform.api('POST', '/tokens', { token: null, body: { username: 'admin', password: 'wrong-password-1' } });
    expect(login.status).toBe(401);
    const created = await platform.api('POST', '/cartridges', { body: aCartridge({ type: 'audited' }) });
    expect(created.status).toBe(201);
    const refused = await platform.api('POST', '/cartridges', { body: { type: 'audited-2' } });
    expect(refused.status).toBe(400);
    const anonymous = await platform.api('DELETE', '/cartridges/audited', { token: null });
    expect(anonymous.status).toBe(401);
    expect((await platform.api('GET', '/cartridges/audited')).status).toBe(200);

    // Entries are written once responses are sent, in any order: wait for all four.
    const requestIds = [login, created, refused, anonymous].map((r) => r.headers.get('x-request-id'));
    await until('the four writes are audited', async () => {
      const audited = new Set((await audit()).entries.map((e) => e.requestId));
      return requestIds.every((id) => audited.has(id!));
    });
    const { entries } = await audit();
    expect(entries.some((e) => e.method === 'GET')).toBe(false);
    const [anonymousEntry, refusedEntry, createdEntry, loginEntry] = entries;
    expect(anonymousEntry).toMatchObject({ actor: null, method: 'DELETE', path: '/api/cartridges/audited', status: 401, outcome: 'refused', requestId: anonymous.headers.get('x-request-id') });
    expect(refusedEntry).toMatchObject({ actor: 'admin', method: 'POST', path: '/api/cartridges', route: '/api/cartridges', status: 400, outcome: 'refused' });
    expect(createdEntry).toMatchObject({ actor: 'admin', status: 201, outcome: 'ok', address: expect.stringMatching(/127\.0\.0\.1/), requestId: created.headers.get('x-request-id') });
    expect(loginEntry).toMatchObject({ actor: null, method: 'POST', path: '/api/tokens', status: 401, outcome: 'refused', requestId: login.headers.get('x-request-id') });
    expect(new Date(createdEntry.at).getTime()).toBeLessThanOrEqual(new Date(refusedEntry.at).getTime());
    expect(JSON.stringify(entries)).not.toContain('wrong-password-1');
  });

  it('filters by actor, outcome and time, pages, and refuses a bad filter with its name', async () => {
    const byAdmin = await audit('?actor=admin&outcome=ok');
    expect(byAdmin.entries.length).toBeGreaterThan(0);
    expect(byAdmin.entries.every((e) => e.actor === 'admin' && e.outcome === 'ok')).toBe(true);
    expect((await audit(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).entries).toEqual([]);
    const page = await audit('?limit=1&offset=1');
    expect(page.entries).toHaveLength(1);
    expect(page.total).toBeGreaterThan(1);
    const badSince = await platform.api('GET', '/audit?since=yesterday-ish');
    expect(badSince.status).toBe(400);
    expect(badSince.body.errors[0].path).toBe('?since');
    const badOutcome = await platform.api('GET', '/audit?outcome=maybe');
    expect(badOutcome.status).toBe(400);
    expect(badOutcome.body.errors[0]).toMatchObject({ path: '?outcome', allowed: ['ok', 'refused', 'failed'] });
    expect((await platform.api('GET', '/audit', { token: null })).status).toBe(401);
  });

  it('purges audit entries older than the retention', async () => {
    const before = (await audit()).total;
    expect(before).toBeGreaterThan(0);
    const retention = platform.manager.app.get(AuditRetention);
    expect(await retention.sweep(new Date(Date.now() + 89 * 86_400_000))).toBe(0); // 90 days by default
    expect(await retention.sweep(new Date(Date.now() + 91 * 86_400_000))).toBeGreaterThanOrEqual(before);
  });

  it('purges old topology events but the newest, goes on counting, and gives a watcher from before a snapshot', async () => {
    await platform.post('/cartridges', aCartridge({ type: 'kept-1' }));
    await platform.post('/cartridges', aCartridge({ type: 'kept-2' }));
    const latest = (await platform.api('GET', '/topology')).body.revision as number;
    expect(latest).toBeGreaterThan(2);
    const retention = platform.controller!.app.get(TopologyRetention);
    // Only events marked published are purged, and the publisher marks them in batches: the fence is every one marked.
    await until('every event marked published', async () => {
      const db = new pg.Client({ connectionString: platform.databaseUrl });
      await db.connect();
      try {
        return (await db.query('SELECT count(*)::int AS n FROM topology_events WHERE published_at IS NULL')).rows[0].n === 0;
      } finally {
        await db.end();
      }
    }, 10_000);
    expect(await retention.sweep()).toBe(0); // a week by default: nothing is that old
    expect(await retention.sweep(new Date(Date.now() + 169 * 3600_000))).toBe(latest - 1);

    const abort = new AbortController();
    const response = await fetch(`${platform.url}/api/topology/events?since=1`, { headers: { authorization: `Bearer ${platform.adminToken}` }, signal: abort.signal });
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}: ${text}`);
        text += Buffer.from(value).toString();
      }
    };
    await readUntil(/topology events after revision/);
    const snapshot = /id: (\d+)\nevent: Snapshot\ndata: (.*)\n\n/.exec(text);
    expect(snapshot).not.toBeNull();
    expect(Number(snapshot![1])).toBe(latest);
    const event = JSON.parse(snapshot![2]) as { type: string; revision: number; notice: string; payload: { services: { serviceName: string }[] } };
    expect(event.notice).toContain(`revisions 2 to ${latest - 1} were purged`);
    expect(event.payload.services.map((s) => s.serviceName)).toEqual(expect.arrayContaining(['audited', 'kept-1', 'kept-2']));

    // Revisions go on from the newest kept: the next change is latest + 1, and the watcher gets it.
    await platform.post('/cartridges', aCartridge({ type: 'kept-3' }));
    await readUntil(/"serviceName":"kept-3"/);
    expect(text).toContain(`id: ${latest + 1}\nevent: ServiceCreated`);
    abort.abort();

    // A watcher resuming from a revision still held gets no snapshot.
    const current = new AbortController();
    const resumed = await fetch(`${platform.url}/api/topology/events?since=${latest}`, { headers: { authorization: `Bearer ${platform.adminToken}` }, signal: current.signal });
    const resumedReader = resumed.body!.getReader();
    let resumedText = '';
    while (!/"serviceName":"kept-3"/.test(resumedText)) resumedText += Buffer.from((await resumedReader.read()).value!).toString();
    expect(resumedText).not.toContain('Snapshot');
    current.abort();
  });

  it('reads --since as a time or a duration back', () => {
    const sixHoursAgo = new Date(sinceTime('6h')).getTime();
    expect(Math.abs(sixHoursAgo - (Date.now() - 6 * 3600_000))).toBeLessThan(5000);
    expect(sinceTime('2026-12-01T10:00:00Z')).toBe('2026-12-01T10:00:00Z');
    expect(() => sinceTime('last week')).toThrow(/--since must be a time/);
  });
});
