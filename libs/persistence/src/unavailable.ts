/**
 * Whether an error means "PostgreSQL cannot be reached now" — refused, dropped, restarting, full —
 * rather than a bug or a bad query: the API answers 503 naming the database for those, not 500.
 */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/** SQLSTATE: connection exceptions (08…), shutdown or starting up (57P01–57P03), too many connections. */
const UNAVAILABLE_STATES = /^(08\d{3}|57P0[123]|53300)$/;
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Client has encountered a connection error|Connection is not established/i;

export function databaseUnavailableReason(error: unknown): string | null {
  for (let e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (CONNECTION_CODES.has(code) || UNAVAILABLE_STATES.test(code) || CONNECTION_MESSAGES.test(message)) {
      return code && !message.includes(code) ? `${message} (${code})` : message || code;
    }
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return null;
}
