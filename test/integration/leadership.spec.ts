/**
 * Controller leadership on a real PostgreSQL: one session lock, a term per leadership, a standby
 * that takes over once the leader's session goes, a lost session resumed with its own term only
 * when nobody led meanwhile, a fence that refuses a write made under an ended term, and the
 * platform's id, which the first controller gives the database.
 */
import pg from 'pg';
import { Database, Leadership, LeadershipLostError, type LeaderInfo } from '@stratos/persistence';
import { createTestDatabase } from '../support/databases';

describe('controller leadership', () => {
  let url: string;
  let database: Database;
  const held: Leadership[] = [];
  const acquire = async (controllerId: string, extra: { onStandby?: (l: LeaderInfo) => void; signal?: AbortSignal } = {}) => {
    const leadership = await Leadership.acquire({ url, controllerId, pollMs: 50, ...extra });
    held.push(leadership);
    return leadership;
  };
  /** Ends a session from outside, as a database restart or a cut connection would. */
  const endSessionOf = async (controllerId: string) => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ended: boolean }>("SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1", [`stratos-leadership ${controllerId}`]);
      expect(rows).toEqual([{ ended: true }]);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    url = await createTestDatabase();
    database = await Database.open({ url, applicationName: 'leadership-test' });
  });
  afterEach(async () => {
    for (const leadership of held.splice(0)) await leadership.release();
  });
  afterAll(async () => {
    await database.close();
  });

  it('gives the lead to one controller at a time, a new term each time; a standby is told who leads and takes over when it is released', async () => {
    const first = await acquire('a');
    let told: LeaderInfo | null = null;
    const second = acquire('b', { onStandby: (leader) => (told = leader) });
    const standing = await Promise.race([second.then(() => 'leads'), new Promise((r) => setTimeout(() => r('stands by'), 500))]);
    expect(standing).toBe('stands by');
    expect(told).toMatchObject({ leader: 'a', term: first.term, since: expect.any(Date) });
    await first.release();
    const taken = await second;
    expect(taken.term).toBe(first.term + 1);
  });

  it('fences: a write under an ended term is refused, under the current one it goes through', async () => {
    const first = await acquire('a');
    await database.transaction((tx) => tx.leadership.fence(first.term));
    await first.release();
    const second = await acquire('b');
    await expect(database.transaction((tx) => tx.leadership.fence(first.term))).rejects.toBeInstanceOf(LeadershipLostError);
    await database.transaction((tx) => tx.leadership.fence(second.term));
  });

  it('a lost session: told, and resumed with the same term when nobody led meanwhile', async () => {
    const first = await acquire('a');
    await endSessionOf('a');
    await expect(first.lost).resolves.toBeInstanceOf(Error);
    const again = await Leadership.resume({ url, controllerId: 'a' }, first.term);
    expect(again).not.toBe('deposed');
    held.push(again as Leadership);
    expect((again as Leadership).term).toBe(first.term);
  });

  it('a lost session: deposed when a standby took over meanwhile, or when another term came and went', async () => {
    const first = await acquire('a');
    const standby = acquire('b');
    await endSessionOf('a');
    const second = await standby;
    expect(await Leadership.resume({ url, controllerId: 'a' }, first.term)).toBe('deposed');
    await second.release();
    // The lock is free now, but b led after a's term: a does not lead on as if nothing happened.
    expect(await Leadership.resume({ url, controllerId: 'a' }, first.term)).toBe('deposed');
  });

  it('a standby asked to stop stops waiting', async () => {
    await acquire('a');
    const stop = new AbortController();
    const standby = acquire('b', { signal: stop.signal });
    stop.abort();
    await expect(standby).rejects.toThrow('stopped while standing by');
  });

  it("the platform's id: the first controller's is adopted, however many start at once, and stays", async () => {
    const others = await Promise.all([1, 2, 3].map(() => Database.open({ url, applicationName: 'leadership-test-other', migrate: false })));
    try {
      const ids = await Promise.all([database, ...others].map((db, i) => db.platform.adoptId(`candidate-${i}`)));
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toMatch(/^candidate-[0-3]$/);
      expect(await database.platform.adoptId('a-later-one')).toBe(ids[0]);
    } finally {
      for (const db of others) await db.close();
    }
  });
});
