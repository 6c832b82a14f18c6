/** Latency percentiles and throughput of a batch of timed operations. */
export interface Figures {
  ops: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The middle value (of an odd count; the upper middle of an even one). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/**
 * The least-squares slope of `value` over `at` (units of value per unit of at): how a quantity
 * sampled through a window trends, apart from where one sample happened to fall. NaN for fewer
 * than two distinct times.
 */
export function trend(samples: readonly { at: number; value: number }[]): number {
  const n = samples.length;
  const meanAt = samples.reduce((sum, s) => sum + s.at, 0) / n;
  const meanValue = samples.reduce((sum, s) => sum + s.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.at - meanAt) * (s.value - meanValue);
    variance += (s.at - meanAt) ** 2;
  }
  return variance > 0 ? covariance / variance : NaN;
}

/** Runs `operation(i)` `total` times with `inFlight` at once; every operation is timed. */
export async function measure(total: number, inFlight: number, operation: (i: number) => Promise<void>): Promise<Figures> {
  return figuresOf([await timed(total, inFlight, operation)]);
}

/** The latency of each of `total` runs of `operation(first + i)`, `inFlight` at once, and the wall time they took. */
async function timed(total: number, inFlight: number, operation: (i: number) => Promise<void>, first = 0): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await operation(first + i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies };
}

function figuresOf(parts: { seconds: number; latencies: number[] }[]): Figures {
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const seconds = parts.reduce((sum, p) => sum + p.seconds, 0);
  return { ops: latencies.length, seconds, perSecond: latencies.length / seconds, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
}

/**
 * Several operations measured in alternating rounds (a round of each, then the next round of
 * each…), `total` runs each in all, indices going on from round to round: a figure and its
 * baseline see the same moments of the machine, so drift (another process, PostgreSQL's
 * checkpoints) falls on both. `around` wraps each round of an operation (CPU accounting).
 */
export async function interleaved(
  rounds: number,
  total: number,
  inFlight: number,
  operations: { name: string; operation: (i: number) => Promise<void>; around?: <T>(work: () => Promise<T>) => Promise<T> }[],
): Promise<Record<string, Figures>> {
  const parts = new Map(operations.map((o) => [o.name, [] as { seconds: number; latencies: number[] }[]]));
  const perRound = Math.ceil(total / rounds);
  for (let first = 0; first < total; first += perRound) {
    const count = Math.min(perRound, total - first);
    for (const { name, operation, around } of operations) {
      const run = () => timed(count, inFlight, operation, first);
      parts.get(name)!.push(await (around ? around(run) : run()));
    }
  }
  return Object.fromEntries([...parts].map(([name, measured]) => [name, figuresOf(measured)]));
}

export function row(label: string, f: Figures, baseline?: Figures): string[] {
  return [label, f.perSecond.toFixed(0), f.p50ms.toFixed(2), f.p99ms.toFixed(2), baseline ? `${(baseline.perSecond / f.perSecond).toFixed(1)}×` : ''];
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [headers, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
