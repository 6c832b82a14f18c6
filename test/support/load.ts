/**
 * An open-loop HTTP client: requests go out at a fixed rate whatever the answers take (a slow
 * server does not slow the client down, as real users do not wait for each other), each with its
 * own timeout. Used where a test or a bench says "N requests/s and none failed".
 */
export interface LoadResult {
  sent: number;
  /** Request numbers answered 200 (in the order they were sent). */
  acknowledged: number[];
  failures: { request: number; status: number; text: string; atMs: number }[];
  latenciesMs: number[];
  durationMs: number;
}

export interface SteadyLoad {
  /** Stops sending, waits for every request in flight, and says how it went. */
  stop(): Promise<LoadResult>;
  sentSoFar(): number;
}

export function steadyLoad(options: { url: (request: number) => string; method?: string; ratePerS: number; timeoutMs: number }): SteadyLoad {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  const result: LoadResult = { sent: 0, acknowledged: [], failures: [], latenciesMs: [], durationMs: 0 };
  const send = (request: number) => {
    const at = performance.now();
    const done = fetch(options.url(request), { method: options.method ?? 'GET', signal: AbortSignal.timeout(options.timeoutMs) })
      .then(async (response) => {
        const text = await response.text();
        if (response.status === 200) result.acknowledged.push(request);
        else result.failures.push({ request, status: response.status, text: text.slice(0, 300), atMs: Math.round(at - started) });
      })
      .catch((error: Error) => void result.failures.push({ request, status: 0, text: `${error.name}: ${error.message}`, atMs: Math.round(at - started) }))
      .finally(() => {
        result.latenciesMs.push(performance.now() - at);
        inFlight.delete(done);
      });
    inFlight.add(done);
  };
  // Catches up to the rate at each tick: timers are coarse, the count is not.
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerS);
    while (result.sent < due) send(++result.sent);
  }, 5);
  return {
    sentSoFar: () => result.sent,
    async stop() {
      clearInterval(timer);
      result.durationMs = performance.now() - started;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      result.acknowledged.sort((a, b) => a - b);
      return result;
    },
  };
}

/**
 * A closed-loop HTTP client: `concurrency` users, each sending its next request as soon as the
 * last is answered — requests in flight stay near `concurrency` whatever the answers take. Each
 * answer's text goes to `onAnswer` (a test sees which member served it).
 */
export function closedLoad(options: { url: (request: number) => string; concurrency: number; timeoutMs: number; onAnswer?: (text: string) => void }): SteadyLoad {
  const started = performance.now();
  const result: LoadResult = { sent: 0, acknowledged: [], failures: [], latenciesMs: [], durationMs: 0 };
  let stopped = false;
  const user = async () => {
    while (!stopped) {
      const request = ++result.sent;
      const at = performance.now();
      try {
        const response = await fetch(options.url(request), { signal: AbortSignal.timeout(options.timeoutMs) });
        const text = await response.text();
        if (response.status === 200) {
          result.acknowledged.push(request);
          options.onAnswer?.(text);
        } else result.failures.push({ request, status: response.status, text: text.slice(0, 300), atMs: Math.round(at - started) });
      } catch (error) {
        result.failures.push({ request, status: 0, text: `${(error as Error).name}: ${(error as Error).message}`, atMs: Math.round(at - started) });
      }
      result.latenciesMs.push(performance.now() - at);
    }
  };
  const users = Array.from({ length: options.concurrency }, () => user());
  return {
    sentSoFar: () => result.sent,
    async stop() {
      stopped = true;
      await Promise.all(users);
      result.durationMs = performance.now() - started;
      result.acknowledged.sort((a, b) => a - b);
      return result;
    },
  };
}
