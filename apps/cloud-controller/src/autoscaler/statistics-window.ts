/**
 * The last minutes of each member's health statistics, and of what load balancers say about the
 * clusters they balance (requests in flight), in memory: what the autoscaler predicts from. A
 * controller that restarts starts with empty windows (it waits for fresh statistics, as Stratos's
 * rules did).
 */
import { SampleSeries } from './sample-series';
import type { Sample } from './scaling-rules';

export type MemberStatistic = 'loadAverage' | 'memoryConsumption' | 'requestsInFlight';

/**
 * Whether a health report heard at `heardAt` (ms) may have measured part of the member's start —
 * its agent booting, provisioning, the workload starting — rather than its load: an agent's load
 * is its CPU since its previous report, a health interval earlier, and one heard within an interval
 * of the member turning Active began before it. Set aside, as Kubernetes's HPA sets aside a pod's
 * CPU from before it was ready: a new member would otherwise scale its cluster on its own start.
 */
export function measuredItsStart(activeSince: Date, heardAt: number, healthIntervalMs: number): boolean {
  return heardAt - new Date(activeSince).getTime() < healthIntervalMs; // a row read as JSON has it as text
}

interface MemberWindow {
  clusterId: string;
  samples: Record<MemberStatistic, SampleSeries>;
}

export class StatisticsWindow {
  private readonly members = new Map<string, MemberWindow>();
  /** By balanced cluster (application and alias), then by the balancer member that reported it. */
  private readonly balanced = new Map<string, Map<string, SampleSeries>>();

  /** @param keepMs how long a sample is kept (the longest window asked for). */
  constructor(private readonly keepMs: number) {}

  /** One health report's values, at its time (the controller's clock: agents' clocks may differ). */
  record(memberId: string, clusterId: string, at: number, values: Partial<Record<MemberStatistic, number>>): void {
    let window = this.members.get(memberId);
    if (!window || window.clusterId !== clusterId) {
      window = { clusterId, samples: { loadAverage: new SampleSeries(), memoryConsumption: new SampleSeries(), requestsInFlight: new SampleSeries() } };
      this.members.set(memberId, window);
    }
    for (const [name, value] of Object.entries(values) as [MemberStatistic, number][]) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
      const samples = window.samples[name];
      samples.push(at, value);
      samples.dropBefore(at - this.keepMs);
    }
  }

  /** A load balancer member's report: requests in flight to the cluster `alias` of `applicationId`, at `at`. */
  recordBalanced(reporterId: string, applicationId: string, alias: string, at: number, requestsInFlight: number): void {
    if (!Number.isFinite(requestsInFlight) || requestsInFlight < 0) return;
    const key = `${applicationId}\n${alias}`;
    let byReporter = this.balanced.get(key);
    if (!byReporter) this.balanced.set(key, (byReporter = new Map()));
    let samples = byReporter.get(reporterId);
    if (!samples) byReporter.set(reporterId, (samples = new SampleSeries()));
    samples.push(at, requestsInFlight);
    samples.dropBefore(at - this.keepMs);
  }

  /** What each balancer reported about a cluster since `since` (ms), oldest first: one series per balancer member. */
  balancedSamples(applicationId: string, alias: string, since: number): { reportedBy: string; samples: Sample[] }[] {
    return [...(this.balanced.get(`${applicationId}\n${alias}`) ?? [])].map(([reportedBy, samples]) => ({ reportedBy, samples: samples.since(since) })).filter((series) => series.samples.length > 0);
  }

  /** A member's samples of one statistic since `since` (ms), oldest first. */
  samples(memberId: string, statistic: MemberStatistic, since: number): Sample[] {
    return this.members.get(memberId)?.samples[statistic].since(since) ?? [];
  }

  /** Members gone: their windows go too. */
  keepOnly(memberIds: Set<string>): void {
    for (const id of this.members.keys()) if (!memberIds.has(id)) this.members.delete(id);
    for (const [key, byReporter] of this.balanced) {
      for (const id of byReporter.keys()) if (!memberIds.has(id)) byReporter.delete(id);
      if (byReporter.size === 0) this.balanced.delete(key);
    }
  }

  size(): number {
    return this.members.size;
  }
}
