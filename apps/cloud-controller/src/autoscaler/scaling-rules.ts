/**
 * Stratos's scaling rules (its autoscaler's `scaling.drl` and `RuleTasksDelegator`), as pure
 * functions: a prediction of each statistic from a window of samples, the instances each metric of
 * the autoscaling policy requires, and one decision per cluster and evaluation.
 *
 * Where this differs from Stratos 4.1, on purpose:
 * - The prediction looks `horizonS` ahead (default 60 s: "the value one minute ahead"); Stratos
 *   called it that but passed t = 1 with gradients per second, i.e. one second ahead.
 * - Memory and load require `predicted × active ÷ threshold` instances (what keeps each member
 *   under its threshold); Stratos used `min` for load and a min–max ramp for memory.
 * - A cool-down follows every decision, so that a decision's members are counted before the next.
 */

/** One reading of a statistic: when (ms since the epoch) and what. */
export interface Sample {
  at: number;
  value: number;
}

export interface Prediction {
  average: number;
  /** Per second: the change from the window's first sample to its last. */
  gradient: number;
  /** Per second²: the change of the gradient from the window's first half to its second (0 with fewer than 3 samples). */
  secondDerivative: number;
  /** average + gradient·h + ½·secondDerivative·h², never below 0. */
  predicted: number;
}

/** Below a second apart, two samples' gradient is taken over a second (as Stratos's CEP window did). */
const MIN_SPAN_MS = 1000;

function gradientOf(samples: Sample[]): number {
  if (samples.length < 2) return 0;
  const first = samples[0];
  const last = samples[samples.length - 1];
  return ((last.value - first.value) * 1000) / Math.max(MIN_SPAN_MS, last.at - first.at);
}

/** Stratos's prediction: average, gradient and second derivative of the window, projected `horizonS` ahead. Null for an empty window. */
export function predict(window: Sample[], horizonS: number): Prediction | null {
  const samples = window.filter((s) => Number.isFinite(s.value) && Number.isFinite(s.at)).sort((a, b) => a.at - b.at);
  if (samples.length === 0) return null;
  const average = samples.reduce((sum, s) => sum + s.value, 0) / samples.length;
  const gradient = gradientOf(samples);
  let secondDerivative = 0;
  if (samples.length >= 3) {
    const half = Math.ceil(samples.length / 2);
    const [early, late] = [samples.slice(0, half), samples.slice(half - 1)];
    const mid = (part: Sample[]) => (part[0].at + part[part.length - 1].at) / 2;
    secondDerivative = ((gradientOf(late) - gradientOf(early)) * 1000) / Math.max(MIN_SPAN_MS, mid(late) - mid(early));
  }
  const predicted = Math.max(0, average + gradient * horizonS + 0.5 * secondDerivative * horizonS * horizonS);
  return { average, gradient, secondDerivative, predicted };
}

export type ScalingMetric = 'requestsInFlight' | 'memoryConsumption' | 'loadAverage';

/**
 * The instances one metric requires: requests in flight, predicted ÷ the threshold (per instance);
 * memory and load (percent of each member's own limit), predicted × active ÷ threshold. A threshold
 * that is not positive requires nothing.
 */
export function requiredInstances(metric: ScalingMetric, predicted: number, threshold: number, active: number): number {
  return wholeInstances(demand(metric, predicted, threshold, active));
}

/** What requiredInstances rounds up: the members a metric asks for, as a fraction (0 where the threshold is not positive). */
export function demand(metric: ScalingMetric, predicted: number, threshold: number, active: number): number {
  if (!(threshold > 0) || !Number.isFinite(predicted)) return 0;
  return Math.max(0, metric === 'requestsInFlight' ? predicted / threshold : (predicted * Math.max(1, active)) / threshold);
}

/** A demand as whole members; a hair over a whole number from floating point is that whole number. */
const wholeInstances = (fraction: number) => Math.max(0, Math.ceil(fraction - 1e-9));

export interface MetricInput {
  metric: ScalingMetric;
  threshold: number;
  /** The cluster's prediction (requests in flight: the cluster's; memory and load: the mean of its members'). Null: no statistics yet. */
  prediction: Prediction | null;
}

export interface MemberInput {
  memberId: string;
  /** Predicted load and memory (percent); null where it has sent none yet. */
  load: number | null;
  memory: number | null;
}

export interface ClusterScalingInput {
  min: number;
  max: number;
  /** Members Active now. */
  active: MemberInput[];
  /** Members on their way (Created … Starting): counted as capacity, as Stratos counted pending members. */
  pending: number;
  metrics: MetricInput[];
  /** Consecutive evaluations before this one that asked to scale down. */
  scaleDownVotes: number;
  /** Evaluations that must agree before a member is removed (Stratos: more than 5). */
  scaleDownAfter: number;
  /** What the partitions can hold in all (null: no limit), so that a scale-up never asks for more. */
  capacity: number | null;
  /** Until when a decision just made holds the next (ms since the epoch; 0: none). */
  coolDownUntil: number;
  now: number;
  /** What its scaling-dependents list requires of it (dependentRequirements), in place of its own metrics' (which it includes). */
  dependent?: ScalingCause;
}

export interface ScalingCause {
  metric: ScalingMetric;
  predicted: number;
  threshold: number;
  required: number;
  /** Dependent scaling: the cluster whose metric set its list's factor (absent: the cluster's own metric). */
  dependentOf?: string;
}

export type ScalingDecision =
  | { kind: 'up'; add: number; to: number; cause: ScalingCause }
  | { kind: 'down'; memberId: string; to: number; cause: ScalingCause | null; votes: number }
  | { kind: 'hold'; reason: string; scaleDownVotes: number; cause: ScalingCause | null };

/** The metric that requires the most instances (the first of equals), or null where none has statistics. */
export function decisiveMetric(metrics: MetricInput[], active: number): ScalingCause | null {
  let best: ScalingCause | null = null;
  for (const m of metrics) {
    if (!m.prediction) continue;
    const required = requiredInstances(m.metric, m.prediction.predicted, m.threshold, active);
    if (!best || required > best.required) best = { metric: m.metric, predicted: m.prediction.predicted, threshold: m.threshold, required };
  }
  return best;
}

/**
 * One evaluation of a cluster: scale up by the whole difference at once (bounded by max and the
 * partitions' room, counting members on their way), or — only after `scaleDownAfter` consecutive
 * evaluations more agreed — remove the Active member with the lowest predicted (load + memory) ÷ 2,
 * never below min; otherwise hold, saying why.
 */
export function decide(input: ClusterScalingInput): ScalingDecision {
  const active = input.active.length;
  const nonTerminated = active + input.pending;
  const cause = input.dependent ?? decisiveMetric(input.metrics, active);
  const hold = (reason: string, scaleDownVotes = 0): ScalingDecision => ({ kind: 'hold', reason, scaleDownVotes, cause });
  if (input.now < input.coolDownUntil) return hold(`cooling down for ${Math.ceil((input.coolDownUntil - input.now) / 1000)} s after the last decision`, input.scaleDownVotes);
  if (!cause) return hold('no statistics yet');
  const ceiling = Math.min(input.max, input.capacity ?? Infinity);
  const required = Math.min(Math.max(cause.required, input.min), ceiling);
  if (active < cause.required) {
    if (nonTerminated >= ceiling) return hold(`${cause.metric} requires ${cause.required}, at most ${ceiling} (${ceiling === input.max ? 'cartridgeMax' : 'the partitions’ room'})`);
    const add = required - nonTerminated;
    if (add <= 0) return hold(`${cause.metric} requires ${cause.required}; ${input.pending} member(s) on their way cover it`);
    return { kind: 'up', add, to: required, cause };
  }
  if (active > cause.required && nonTerminated > input.min && input.pending === 0) {
    const votes = input.scaleDownVotes + 1;
    if (votes <= input.scaleDownAfter) return hold(`${cause.metric} requires ${cause.required}: scale-down vote ${votes} of more than ${input.scaleDownAfter}`, votes);
    const overall = (m: MemberInput) => ((m.load ?? 0) + (m.memory ?? 0)) / 2;
    const victim = [...input.active].sort((a, b) => overall(a) - overall(b) || a.memberId.localeCompare(b.memberId))[0];
    return { kind: 'down', memberId: victim.memberId, to: nonTerminated - 1, cause, votes };
  }
  if (active > cause.required && nonTerminated <= input.min) return hold(`${cause.metric} requires ${cause.required}; at cartridgeMin ${input.min}`);
  return hold(`${cause.metric} requires ${cause.required}, ${active} active`);
}

/** A cluster of a scaling-dependents list, as dependentRequirements sees it. */
export interface DependentCluster {
  clusterId: string;
  min: number;
  max: number;
  /** Its own metrics' requirement (decisiveMetric); null: no statistics yet. */
  cause: ScalingCause | null;
}

/**
 * Stratos's dependent scaling (`dependencies.scalingDependents`): the clusters of a list scale
 * together, in proportion to their minimums. Each cluster's factor is what its own metrics require
 * ÷ its min; the list's factor is the largest; each cluster of the list then requires ⌈min × factor⌉
 * (at most its max), and says which cluster's metric caused it. A cluster in several lists takes
 * the largest requirement. Lists with no statistics yet require nothing. (Stratos rounded with an
 * `instanceRoundingFactor`; this always rounds up: never fewer members than the proportion.)
 */
export function dependentRequirements(lists: string[][], clusters: DependentCluster[]): Map<string, ScalingCause> {
  const byId = new Map(clusters.map((c) => [c.clusterId, c]));
  const found = new Map<string, ScalingCause>();
  for (const list of lists) {
    const members = [...new Set(list)].map((id) => byId.get(id)).filter((c): c is DependentCluster => c !== undefined);
    if (members.length < 2) continue;
    let leader: { cluster: DependentCluster; factor: number } | null = null;
    for (const cluster of members) {
      if (!cluster.cause || !(cluster.min > 0)) continue;
      const factor = cluster.cause.required / cluster.min;
      if (!leader || factor > leader.factor) leader = { cluster, factor };
    }
    if (!leader) continue;
    for (const cluster of members) {
      const required = Math.min(cluster.max, Math.max(cluster.min, Math.ceil(cluster.min * leader.factor - 1e-9)));
      const { metric, predicted, threshold } = leader.cluster.cause!;
      const cause: ScalingCause = { metric, predicted, threshold, required, ...(leader.cluster.clusterId !== cluster.clusterId ? { dependentOf: leader.cluster.clusterId } : {}) };
      const before = found.get(cluster.clusterId);
      if (!before || required > before.required) found.set(cluster.clusterId, cause);
    }
  }
  return found;
}

/** One cluster of a group instance, as the group decision sees it. */
export interface GroupClusterInput {
  clusterId: string;
  alias: string;
  max: number;
  active: number;
  pending: number;
  /** Its metric that requires the most (decisiveMetric); null: no statistics, or no autoscaling policy. */
  cause: ScalingCause | null;
  /** That metric's demand before rounding (members): the instances' demands per alias are added up for a removal. */
  demand: number | null;
}

export interface GroupScalingInput {
  minInstances: number;
  maxInstances: number;
  /** Its instances now, each with its clusters; `ready` once every one of them is Active. */
  instances: { instance: number; ready: boolean; clusters: GroupClusterInput[] }[];
  /** An instance is being removed (its members draining). */
  leaving: boolean;
  scaleDownVotes: number;
  scaleDownAfter: number;
  coolDownUntil: number;
  now: number;
  /** A `group.ALIAS` entry of a scalingDependents list: the instances its list requires (dependentRequirements), and which cluster's metric. */
  dependent?: ScalingCause;
}

export type GroupCause = ScalingCause & { clusterId: string };

export type GroupScalingDecision =
  | { kind: 'up'; to: number; cause: GroupCause }
  | { kind: 'down'; instance: number; to: number; cause: GroupCause | null; votes: number }
  | { kind: 'hold'; reason: string; scaleDownVotes: number };

/**
 * Stratos's group scaling (groupScalingEnabled): an instance of the group — a copy of all its
 * clusters — is added when one of its clusters requires more members than its cartridgeMax and has
 * them all (nothing but a new instance can give it more), up to groupMaxInstances, one per decision;
 * one is removed (the newest) once the group could do without it — for every alias whose clusters
 * report statistics, what all instances' clusters require together fits the others at cartridgeMax
 * — after more than `scaleDownAfter` evaluations in a row agreed, never below groupMinInstances.
 * (Stratos removed one when every child was "beyond its min"; adding up the demand across
 * instances says the same for clusters whose min is 1, where a busy one can never go below it.)
 * A group listed in a scalingDependents list (`group.ALIAS`) also grows to the instances its list
 * requires (⌈groupMinInstances × the list's factor⌉), and shrinks only below what it requires.
 */
export function decideGroup(input: GroupScalingInput): GroupScalingDecision {
  const hold = (reason: string, scaleDownVotes = 0): GroupScalingDecision => ({ kind: 'hold', reason, scaleDownVotes });
  const count = input.instances.length;
  if (input.now < input.coolDownUntil) return hold(`cooling down for ${Math.ceil((input.coolDownUntil - input.now) / 1000)} s after the last decision`, input.scaleDownVotes);
  if (input.leaving) return hold('an instance is being removed');
  const starting = input.instances.find((i) => !i.ready);
  if (starting) return hold(`instance ${starting.instance} is not Active yet`);
  const clusters = input.instances.flatMap((i) => i.clusters);
  const followed = input.dependent;
  if (followed && followed.required > count && count < input.maxInstances) return { kind: 'up', to: count + 1, cause: { ...followed, clusterId: followed.dependentOf ?? '' } };
  const full = clusters.filter((c) => c.cause && c.cause.required > c.max && c.active + c.pending >= c.max).sort((a, b) => b.cause!.required / b.max - a.cause!.required / a.max)[0];
  if (full) {
    const cause: GroupCause = { ...full.cause!, clusterId: full.clusterId };
    if (count >= input.maxInstances) return hold(`${full.clusterId}'s ${cause.metric} requires ${cause.required}, more than its cartridgeMax ${full.max}; at groupMaxInstances ${input.maxInstances}`);
    return { kind: 'up', to: count + 1, cause };
  }
  const reporting = clusters.filter((c) => c.cause && c.demand !== null);
  if (reporting.length === 0 && !followed) return hold('no statistics yet');
  if (count <= input.minInstances) return hold(`at groupMinInstances ${input.minInstances}`);
  if (followed && followed.required >= count) return hold(`its scaling dependents require ${followed.required} instance(s) with ${followed.dependentOf}`);
  // What each alias requires across all instances, against what one instance fewer holds.
  let tightest: { cause: GroupCause; need: number; room: number } | null = null;
  for (const alias of new Set(reporting.map((c) => c.alias))) {
    const same = reporting.filter((c) => c.alias === alias);
    const need = wholeInstances(same.reduce((sum, c) => sum + c.demand!, 0));
    const room = (count - 1) * Math.min(...same.map((c) => c.max));
    const leader = [...same].sort((a, b) => b.demand! - a.demand!)[0];
    if (!tightest || need / room > tightest.need / tightest.room) tightest = { cause: { ...leader.cause!, required: need, clusterId: leader.clusterId }, need, room };
  }
  if (tightest && tightest.need > tightest.room) return hold(`${tightest.cause.metric} requires ${tightest.need} of ${tightest.cause.clusterId.replace(/~g\d+$/, '')}'s kind in all; ${count - 1} instance(s) hold ${tightest.room}`);
  const votes = input.scaleDownVotes + 1;
  if (votes <= input.scaleDownAfter) return hold(`${count - 1} instance(s) would do: scale-down vote ${votes} of more than ${input.scaleDownAfter}`, votes);
  const newest = Math.max(...input.instances.map((i) => i.instance));
  return { kind: 'down', instance: newest, to: count - 1, cause: tightest?.cause ?? { ...followed!, clusterId: followed!.dependentOf ?? '' }, votes };
}
