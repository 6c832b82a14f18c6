/**
 * One controller leads at a time: the one whose own PostgreSQL session holds a session advisory
 * lock. The lock goes with the session — a leader killed, or cut off from the database, lets it
 * go at once — so a standby that asks for it every half second takes over within a second. Each
 * leadership has a term, one higher than the last (controller_leadership): writes that start or
 * stop members check theirs (fence), so a deposed leader that has not noticed yet changes
 * nothing. Not through a pooler in transaction mode (PgBouncer): a session lock needs a session.
 */
import pg from 'pg';

/** The advisory lock key of leadership (other keys of the platform's: 0x5747a701 migrations, 0x5747a705 topology revisions). */
export const LEADERSHIP_LOCK = 0x5747a70c;

export interface LeaderInfo {
  leader: string | null;
  term: number;
  since: Date | null;
}

export interface LeadershipOptions {
  url: string;
  /** This controller, as the table and the logs name it. */
  controllerId: string;
  /** How often a standby asks for the lock (default 500 ms), and how often a leader checks its session is alive (default 2 s). */
  pollMs?: number;
  heartbeatMs?: number;
  /** Told once while standing by, with who leads. */
  onStandby?: (leader: LeaderInfo) => void;
  /** Stops waiting (a standby asked to stop): acquire rejects. */
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal?.removeEventListener('abort', wake), resolve()), ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

export class Leadership {
  private heartbeat: NodeJS.Timeout | null = null;
  private released = false;
  /** Settles when the session that holds the lock is gone (not after release()). */
  readonly lost: Promise<Error>;
  private loseWith!: (error: Error) => void;

  private constructor(
    private readonly client: pg.Client,
    readonly controllerId: string,
    /** The term this leadership was given. */
    readonly term: number,
    heartbeatMs: number,
  ) {
    this.lost = new Promise((resolve) => (this.loseWith = resolve));
    const lose = (error: Error) => {
      if (this.released) return;
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.loseWith(error);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the leadership session ended')));
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => {
        lose(error);
        void client.end().catch(() => undefined);
      });
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Waits until this controller leads; resolves with its term. */
  static async acquire(options: LeadershipOptions): Promise<Leadership> {
    const client = await Leadership.connect(options);
    try {
      let told = false;
      for (;;) {
        if (options.signal?.aborted) throw new Error('stopped while standing by');
        if (await Leadership.tryLock(client)) break;
        if (!told) {
          options.onStandby?.(await currentLeader(client));
          told = true;
        }
        await sleep(options.pollMs ?? 500, options.signal);
      }
      const { rows } = await client.query<{ term: string }>(
        `INSERT INTO controller_leadership (id, term, leader, since) VALUES (1, 1, $1, now())
         ON CONFLICT (id) DO UPDATE SET term = controller_leadership.term + 1, leader = EXCLUDED.leader, since = EXCLUDED.since
         RETURNING term`,
        [options.controllerId],
      );
      return new Leadership(client, options.controllerId, Number(rows[0].term), options.heartbeatMs ?? 2000);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * After its session was lost (the database restarted, say): the same term again if nobody else
   * has led meanwhile; 'deposed' if another controller holds the lock or has had a term since.
   * Throws while the database does not answer.
   */
  static async resume(options: LeadershipOptions, term: number): Promise<Leadership | 'deposed'> {
    const client = await Leadership.connect(options);
    try {
      if (!(await Leadership.tryLock(client))) {
        // Held by a session of this controller's own that the server has not seen die yet (a cut connection): ended, and asked again.
        const { rows: own } = await client.query<{ pid: number }>(
          `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1 AND l.granted AND a.application_name = $2 AND l.pid <> pg_backend_pid()`,
          [LEADERSHIP_LOCK, applicationName(options.controllerId)],
        );
        for (const { pid } of own) await client.query('SELECT pg_terminate_backend($1)', [pid]);
        let locked = false;
        for (let attempt = 0; own.length > 0 && !locked && attempt < 20; attempt++) {
          await sleep(100);
          locked = await Leadership.tryLock(client);
        }
        if (!locked) {
          await client.end().catch(() => undefined);
          return 'deposed';
        }
      }
      const { rows } = await client.query('SELECT 1 FROM controller_leadership WHERE id = 1 AND term = $1 AND leader = $2', [term, options.controllerId]);
      if (rows.length === 0) {
        await client.end().catch(() => undefined); // the lock goes with the session
        return 'deposed';
      }
      return new Leadership(client, options.controllerId, term, options.heartbeatMs ?? 2000);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private static async connect(options: LeadershipOptions): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: options.url, application_name: applicationName(options.controllerId), keepAlive: true });
    client.on('error', () => undefined); // once it leads, the constructor's listener decides what an error means
    await client.connect();
    return client;
  }

  private static async tryLock(client: pg.Client): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LEADERSHIP_LOCK]);
    return rows[0].locked;
  }

  /** Lets the lock go (a clean stop): a standby takes over at once. */
  async release(): Promise<void> {
    this.released = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.client.query('SELECT pg_advisory_unlock($1)', [LEADERSHIP_LOCK]).catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}

const applicationName = (controllerId: string) => `stratos-leadership ${controllerId}`.slice(0, 63);

async function currentLeader(client: pg.Client): Promise<LeaderInfo> {
  const { rows } = await client.query<{ leader: string | null; term: string; since: Date | null }>('SELECT leader, term, since FROM controller_leadership WHERE id = 1');
  return rows[0] ? { leader: rows[0].leader, term: Number(rows[0].term), since: rows[0].since } : { leader: null, term: 0, since: null };
}

/** Raised by a fenced write made under a term that is not the current one: its controller no longer leads. */
export class LeadershipLostError extends Error {
  constructor(readonly term: number) {
    super(`this controller's leadership (term ${term}) has ended: another controller leads`);
  }
}
