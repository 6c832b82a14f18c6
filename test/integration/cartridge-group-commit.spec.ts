/**
 * Cartridge creates in group commits, on a real PostgreSQL: creates that come together share one
 * statement and one commit, each caller still gets its own answer (its event, or null where the
 * type exists), the log's revisions stay gap-free and follow the order the callers are answered
 * in, and one create PostgreSQL refuses fails alone.
 */
import pg from 'pg';
import { TopologyEventType, type TopologyEvent } from '@stratos/contracts';
import { Database, toCartridgeView, type CartridgeEntity } from '@stratos/persistence';
import { createTestDatabase, gapFree, topologyRevisions } from '../support/databases';

const rowOf = (type: string, category = 'framework'): CartridgeEntity => {
  const now = new Date();
  return {
    type,
    category,
    definition: { type, provider: 'apache', category, multiTenant: false, portMapping: [], iaasProvider: [{ type: 'docker', imageId: 'stratos/php:8.3' }] } as unknown as CartridgeEntity['definition'],
    providers: [],
    generation: 1,
    createdBy: 'group-commit-test',
    createdAt: now,
    updatedAt: now,
  };
};

describe('cartridge creates in group commits', () => {
  let url: string;
  let database: Database;
  let admin: pg.Client;
  const commits = async () => Number((await admin.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n);
  const create = (row: CartridgeEntity) => database.cartridges.insertIfAbsentWithEvent(row, TopologyEventType.ServiceCreated, { serviceName: row.type, cartridge: toCartridgeView(row, null) });

  beforeAll(async () => {
    url = await createTestDatabase();
    database = await Database.open({ url, applicationName: 'group-commit-test' });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.close();
  });

  it('answers 60 creates that come together, duplicates and a taken type included, in fewer commits, with gap-free revisions in the order they are answered', async () => {
    expect(await create(rowOf('taken'))).not.toBeNull();
    const types = [...Array.from({ length: 57 }, (_, i) => `burst-${i}`), 'burst-3', 'taken', 'burst-10'];
    const answered: (TopologyEvent | null)[] = [];
    // Statistics are sent at the end of each transaction, and read from a snapshot: a fresh one per read.
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const before = await commits();
    const results: (TopologyEvent | null)[] = await Promise.all(types.map((type) => create(rowOf(type)).then((event) => (answered.push(event), event))));
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const used = (await commits()) - before;

    // Each distinct new type created once; its repeat and the taken type get null (a conflict).
    expect(results.map((event, i) => (event ? types[i] : null))).toEqual([...types.slice(0, 57), null, null, null]);
    for (const [i, event] of results.entries()) {
      if (event) expect(event).toMatchObject({ type: TopologyEventType.ServiceCreated, payload: { serviceName: types[i], cartridge: { type: types[i] } } });
    }
    // Far fewer commits than creates (one each, before); `used` also counts the statistics reads.
    expect(used).toBeLessThan(20);
    // The log: 1 (taken) then one per created type, without a gap; the callers answered in revision order.
    expect(await topologyRevisions(url)).toEqual(gapFree(Array.from({ length: 58 })));
    const revisions = answered.filter((e): e is TopologyEvent => e !== null).map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    // What the callers were told is what the log holds.
    const stored = await database.topology.since(1);
    expect(stored.map((e) => ({ revision: e.revision, eventId: e.eventId, serviceName: (e.payload as { serviceName: string }).serviceName }))).toEqual(
      results
        .filter((e): e is TopologyEvent => e !== null)
        .sort((a, b) => a.revision - b.revision)
        .map((e) => ({ revision: e.revision, eventId: e.eventId, serviceName: (e.payload as { serviceName: string }).serviceName })),
    );
    expect(Number((await admin.query<{ n: string }>("SELECT count(*) AS n FROM cartridges WHERE type LIKE 'burst-%'")).rows[0].n)).toBe(57);
  });

  it('fails only the create PostgreSQL refuses (a NUL in a text column), not the others that came with it, and leaves no gap', async () => {
    const revisionsBefore = await topologyRevisions(url);
    const types = ['mixed-a', 'mixed-bad', 'mixed-b', 'mixed-c'];
    const outcomes = await Promise.allSettled(types.map((type) => create(rowOf(type, type === 'mixed-bad' ? 'bad\u0000category' : 'framework'))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes.every((o) => o.status === 'rejected' || o.value !== null)).toBe(true);
    expect(await topologyRevisions(url)).toEqual(gapFree(Array.from({ length: revisionsBefore.length + 3 })));
    expect((await admin.query("SELECT type FROM cartridges WHERE type LIKE 'mixed-%' ORDER BY type")).rows.map((r) => r.type)).toEqual(['mixed-a', 'mixed-b', 'mixed-c']);
  });

  it('inside a transaction, a create is the transaction\'s own: rolled back with it', async () => {
    const revisionsBefore = await topologyRevisions(url);
    await expect(
      database.transaction(async (tx) => {
        const event = await tx.cartridges.insertIfAbsentWithEvent(rowOf('rolled-back'), TopologyEventType.ServiceCreated, { serviceName: 'rolled-back', cartridge: toCartridgeView(rowOf('rolled-back'), null) });
        expect(event?.revision).toBe(revisionsBefore.length + 1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await database.cartridges.find('rolled-back')).toBeNull();
    expect(await topologyRevisions(url)).toEqual(revisionsBefore);
  });
});
