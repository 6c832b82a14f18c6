/**
 * A host's local regions are served to the other controllers by one of its own at a time (two
 * controllers may share a home, and so a host id): the one whose PostgreSQL session holds this
 * advisory lock, keyed by the host id. As with leadership, the lock goes with the session: a
 * controller killed lets it go at once, and another of that host takes it at its next ask.
 */
import pg from 'pg';

/** The advisory lock class of host locks (the second key: hashtext of the host id). Others: 0x5747a70c leadership, 0x5747a701 migrations, 0x5747a705 topology revisions. */
export const HOST_LOCK = 0x5747a70d;

/**
 * The lock class of a host's one controller seat, held for a controller's life where the broker
 * has no shared subscriptions (aedes): there a second controller of the same host would serve
 * nothing — no request, no member of its own — so it is refused rather than left standing by.
 */
export const CONTROLLER_SEAT_LOCK = 0x5747a70e;

export interface HeldHostLock {
  /** Settles when the session holding the lock is gone (not after release()). */
  readonly lost: Promise<Error>;
  release(): Promise<void>;
}

/**
 * Asks for host `hostId`'s lock (of class `lockClass`, HOST_LOCK unless told) every `pollMs` until
 * it is held (then resolves) or `signal` aborts (then null); `onWaiting` is told when another holds
 * it. Throws while the database does not answer.
 */
export async function acquireHostLock(options: { url: string; hostId: string; controllerId: string; lockClass?: number; pollMs?: number; signal: AbortSignal; onWaiting?: () => void }): Promise<HeldHostLock | null> {
  const purpose = options.lockClass === CONTROLLER_SEAT_LOCK ? 'seat' : 'host';
  const client = new pg.Client({ connectionString: options.url, application_name: `stratos-${purpose} ${options.controllerId}`.slice(0, 63), keepAlive: true });
  let released = false;
  const lost = new Promise<Error>((resolve) => {
    client.on('error', (error) => resolve(error));
    client.on('end', () => resolve(new Error('its database session ended')));
  });
  await client.connect();
  try {
    for (let tries = 0; !options.signal.aborted; tries++) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [options.lockClass ?? HOST_LOCK, options.hostId]);
      if (rows[0].locked) {
        return {
          lost: lost.then((error) => (released ? new Promise<Error>(() => undefined) : error)),
          async release() {
            released = true;
            await client.end().catch(() => undefined); // the lock goes with the session
          },
        };
      }
      if (tries === 0) options.onWaiting?.();
      await new Promise<void>((resolve) => {
        const wake = () => (clearTimeout(timer), resolve());
        const timer = setTimeout(() => (options.signal.removeEventListener('abort', wake), resolve()), options.pollMs ?? 1000);
        options.signal.addEventListener('abort', wake, { once: true });
      });
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  await client.end().catch(() => undefined);
  return null;
}
