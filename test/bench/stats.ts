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

/** Runs `operation(i)` `total` times with `inFlight` at once; every operation is timed. */
/** The middle value (of an odd count; the upper middle of an even one). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

export async function measure(total: number, inFlight: number, operation: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await operation(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { ops: total, seconds, perSecond: total / seconds, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
}

export function row(label: string, f: Figures, baseline?: Figures): string[] {
  return [label, f.perSecond.toFixed(0), f.p50ms.toFixed(2), f.p99ms.toFixed(2), baseline ? `${(baseline.perSecond / f.perSecond).toFixed(1)}×` : ''];
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [headers, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
