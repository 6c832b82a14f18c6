/**
 * The autoscaler: every `intervalS`, each Active cluster of a deployed application whose
 * subscription names an autoscaling policy is evaluated by Stratos's rules (scaling-rules.ts) on
 * its members' own statistics (their health reports, kept in a window): its members' predicted
 * load and memory averaged, each against the policy's threshold as it is now (a changed policy
 * applies at the next evaluation). A decision sets the cluster's member count (the reconciler
 * launches, or shuts down the member chosen, gracefully) and is a `ClusterAutoscaled` event that
 * says which metric, prediction and threshold caused it. A group that scales (groupScalingEnabled)
 * is evaluated after its clusters: an instance of it (all its clusters) added or removed
 * (decideGroup; group-instances.ts), a `GroupScaled` event.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  ApplicationStatus,
  ClusterStatus,
  DomainError,
  MemberStatus,
  TopologyEventType,
  type ApplicationStatisticsView,
  type ClusterStatisticsView,
  type ClusterAutoscaledPayload,
  type GroupStatisticsView,
  type HealthReport,
  type TopologyEvent,
  type ScalingEvaluationView,
  type StatisticWindowView,
} from '@stratos/contracts';
import { Database, toClusterView, type ClusterEntity, type MemberEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { ControllerMetrics } from '../metrics/controller-metrics.service';
import { Reconciler } from '../runtime/reconciler.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import {
  decide,
  decideGroup,
  decisiveMetric,
  demand,
  dependentRequirements,
  predict,
  requiredInstances,
  type ClusterScalingInput,
  type GroupClusterInput,
  type GroupScalingDecision,
  type MemberInput,
  type MetricInput,
  type Sample,
  type ScalingCause,
  type ScalingDecision,
  type ScalingMetric,
} from './scaling-rules';
import { instanceRows, instancesOf, isLeaving, nextInstance, sees } from '../runtime/group-instances';
import { AUTOSCALING_DEFAULTS, type ScalingSettings } from './scaling-settings';
import { StatisticsWindow } from './statistics-window';

/** A group that scales as an entry of a scalingDependents list (no cluster id has a colon). */
const groupEntry = (alias: string) => `group:${alias}`;

/** Members on their way: counted as capacity (a scale-up does not ask for them again). */
const STARTING: MemberStatus[] = [MemberStatus.Created, MemberStatus.Initialized, MemberStatus.Starting];

/** Backends one balancer's report may name (a report is a statistic, not a way to fill the controller's memory). */
const MAX_BALANCED = 256;

/** A cluster's inputs to decide(), gathered before any cluster of its application is decided (dependents need them all). */
interface Prepared {
  cluster: ClusterEntity;
  now: number;
  input: ClusterScalingInput;
}

interface ClusterState {
  votes: number;
  coolDownUntil: number;
}

@Injectable()
export class Autoscaler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Autoscaler.name);
  readonly settings: ScalingSettings;
  private readonly windows: StatisticsWindow;
  private readonly state = new Map<string, ClusterState>();
  /** Per cluster, what the last evaluation saw and the last decision (for GET …/statistics; in memory, as the windows). */
  private readonly evaluations = new Map<string, ScalingEvaluationView>();
  private readonly decisions = new Map<string, NonNullable<ClusterStatisticsView['lastDecision']>>();
  private readonly clusterApplication = new Map<string, string>();
  /** Per group that scales (`<applicationId>/<alias>`): its votes and cool-down, its last evaluation and decision. */
  private readonly groupState = new Map<string, ClusterState>();
  private readonly groupEvaluations = new Map<string, GroupStatisticsView['lastEvaluation']>();
  private readonly groupDecisions = new Map<string, GroupStatisticsView['lastDecision']>();
  private timer: NodeJS.Timeout | undefined;
  private evaluating: Promise<void> | null = null;

  constructor(
    private readonly database: Database,
    private readonly controller: ControllerSettings,
    private readonly reconciler: Reconciler,
    private readonly publisher: TopologyPublisher,
    private readonly metrics: ControllerMetrics,
  ) {
    this.settings = { ...AUTOSCALING_DEFAULTS, ...controller.scaling };
    this.windows = new StatisticsWindow(this.settings.windowS * 1000);
  }

  onApplicationBootstrap(): void {
    if (this.controller.role === 'standby') return; // the leader's
    if (this.settings.intervalS <= 0) return;
    this.timer = setInterval(() => {
      this.evaluating ??= this.evaluateAll()
        .catch((error: Error) => this.logger.warn(`autoscaling evaluation failed: ${error.message}`))
        .finally(() => (this.evaluating = null));
    }, this.settings.intervalS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.evaluating;
  }

  /**
   * An Active member's health report: its own load and memory (and requests in flight, where it
   * reports them); a load balancer's also the requests in flight to each cluster of its application it balances.
   */
  record(report: HealthReport, member: Pick<MemberEntity, 'memberId' | 'applicationId'>): void {
    const at = Date.now();
    this.windows.record(report.memberId, report.clusterId, at, { loadAverage: report.loadAverage, memoryConsumption: report.memoryConsumption, ...(report.requestsInFlight !== undefined ? { requestsInFlight: report.requestsInFlight } : {}) });
    if (!Array.isArray(report.balanced)) return;
    for (const entry of report.balanced.slice(0, MAX_BALANCED)) {
      if (typeof entry?.alias !== 'string' || entry.alias.length > 256 || typeof entry.requestsInFlight !== 'number') continue;
      this.windows.recordBalanced(member.memberId, member.applicationId, entry.alias, at, entry.requestsInFlight);
    }
  }

  /** One evaluation of every cluster (also what the timer runs). */
  async evaluateAll(): Promise<void> {
    const all = await this.database.runtime.deployments();
    const deployments = all.filter((d) => d.desired && d.status === ApplicationStatus.Active);
    const seen = new Set<string>();
    for (const deployment of deployments) {
      const [clusters, members] = await Promise.all([this.database.runtime.clusters(deployment.applicationId), this.database.runtime.members({ applicationId: deployment.applicationId })]);
      for (const member of members) seen.add(member.memberId);
      const prepared: Prepared[] = [];
      const clusterById = new Map(clusters.map((c) => [c.clusterId, c]));
      const clusterOfMember = new Map(members.map((m) => [m.memberId, clusterById.get(m.clusterId)]));
      for (const cluster of clusters) {
        // A cluster of fixed size is still read in a group that scales: its statistics can ask for another instance.
        if (cluster.status !== ClusterStatus.Active || !cluster.spec.autoscalingPolicy || (cluster.maxMembers <= cluster.minMembers && !cluster.groupInstance)) continue;
        const inputs = await this.prepare(cluster, members.filter((m) => m.clusterId === cluster.clusterId), { clusterOfMember, clusters });
        if (inputs) prepared.push(inputs);
      }
      // Clusters listed together in the application's scalingDependents scale together (Stratos's dependent scaling).
      const lists = await this.scalingDependents(deployment.definitionId, clusters);
      // A group that scales joins a list as one more member of it, counted in instances, that follows and never leads.
      const scalingGroups = [...new Map(clusters.filter((c) => c.groupInstance).map((c) => [c.groupInstance!.group, c.groupInstance!])).values()];
      const dependents = lists.length
        ? dependentRequirements(lists, [
            ...prepared.map((p) => ({ clusterId: p.cluster.clusterId, min: p.input.min, max: p.input.max, cause: decisiveMetric(p.input.metrics, p.input.active.length) })),
            ...scalingGroups.map((g) => ({ clusterId: groupEntry(g.group), min: g.minInstances, max: g.maxInstances, cause: null })),
          ])
        : new Map<string, ScalingCause>();
      for (const inputs of prepared) await this.conclude(inputs, dependents.get(inputs.cluster.clusterId));
      await this.evaluateGroups(deployment.applicationId, clusters, members, prepared, dependents);
    }
    this.windows.keepOnly(seen);
    // What is kept per cluster goes with its application's deployment.
    const deployed = new Set(all.map((d) => d.applicationId));
    for (const [clusterId, applicationId] of this.clusterApplication) {
      if (deployed.has(applicationId)) continue;
      for (const map of [this.clusterApplication, this.state, this.evaluations, this.decisions]) map.delete(clusterId);
    }
    for (const key of this.groupState.keys()) {
      if (deployed.has(key.slice(0, key.lastIndexOf('/')))) continue;
      for (const map of [this.groupState, this.groupEvaluations, this.groupDecisions]) map.delete(key);
    }
    this.metrics.autoscalerEvaluations.inc();
  }

  /** A cluster's statistics as decide() takes them; null where its policy is gone (nothing to scale by). */
  private async prepare(cluster: ClusterEntity, members: MemberEntity[], context: { clusterOfMember: Map<string, ClusterEntity | undefined>; clusters: ClusterEntity[] }): Promise<Prepared | null> {
    const policy = await this.database.definitions.findDocument('autoscalingPolicy', cluster.spec.autoscalingPolicy!);
    if (!policy) return null; // removed since the deploy
    const now = Date.now();
    const since = now - this.settings.windowS * 1000;
    const active = members.filter((m) => m.status === MemberStatus.Active);
    const pending = members.filter((m) => STARTING.includes(m.status)).length;
    const predicted = (memberId: string, statistic: ScalingMetric) => predict(this.windows.samples(memberId, statistic, since), this.settings.horizonS);
    const memberInputs: MemberInput[] = active.map((m) => ({ memberId: m.memberId, load: predicted(m.memberId, 'loadAverage')?.predicted ?? null, memory: predicted(m.memberId, 'memoryConsumption')?.predicted ?? null }));
    // Memory and load: each member predicted, then averaged (as Stratos did); requests in flight: the cluster's sum —
    // as its load balancers count them where any reports it (Stratos's way), else as its members report their own.
    const balanced = this.balancedFor(cluster, since, context);
    const clusterPrediction = (statistic: ScalingMetric) => {
      const each = (statistic === 'requestsInFlight' && balanced.length > 0 ? balanced.map((series) => predict(series.samples, this.settings.horizonS)) : active.map((m) => predicted(m.memberId, statistic))).filter((p) => p !== null);
      if (each.length === 0) return null;
      const combine = (values: number[]) => (statistic === 'requestsInFlight' ? values.reduce((a, b) => a + b, 0) : values.reduce((a, b) => a + b, 0) / values.length);
      return { average: combine(each.map((p) => p.average)), gradient: combine(each.map((p) => p.gradient)), secondDerivative: combine(each.map((p) => p.secondDerivative)), predicted: combine(each.map((p) => p.predicted)) };
    };
    const metrics: MetricInput[] = (['requestsInFlight', 'memoryConsumption', 'loadAverage'] as const)
      .filter((metric) => policy.loadThresholds?.[metric]?.threshold !== undefined)
      .map((metric) => ({ metric, threshold: policy.loadThresholds[metric]!.threshold, prediction: clusterPrediction(metric) }));
    const capacity = cluster.spec.placements.every((p) => p.partitionMax !== null) ? cluster.spec.placements.reduce((sum, p) => sum + (p.partitionMax ?? 0), 0) : null;
    const state = this.state.get(cluster.clusterId) ?? { votes: 0, coolDownUntil: 0 };
    return { cluster, now, input: { min: cluster.minMembers, max: cluster.maxMembers, active: memberInputs, pending, metrics, scaleDownVotes: state.votes, scaleDownAfter: this.settings.scaleDownVotes, capacity, coolDownUntil: state.coolDownUntil, now } };
  }

  /**
   * What the load balancers report for a cluster: in a group that scales, a balancer of another
   * instance counts that instance's copy, not this one; one outside the group spreads its requests
   * over every instance, so this one's share is counted.
   */
  private balancedFor(cluster: ClusterEntity, since: number, context: { clusterOfMember: Map<string, ClusterEntity | undefined>; clusters: ClusterEntity[] }) {
    const series = this.windows.balancedSamples(cluster.applicationId, cluster.alias, since);
    if (!cluster.groupInstance) return series;
    const group = cluster.groupInstance.group;
    const instances = Math.max(1, instancesOf(group, context.clusters).length);
    return series.flatMap((s) => {
      const reporter = context.clusterOfMember.get(s.reportedBy);
      if (reporter && !sees(cluster, reporter)) return [];
      if (reporter?.groupInstance?.group === group) return [s];
      return [{ ...s, samples: s.samples.map((sample) => ({ ...sample, value: sample.value / instances })) }];
    });
  }

  /** Decides for a prepared cluster (with what its scaling-dependents list requires of it, if any) and acts. */
  private async conclude({ cluster, now, input }: Prepared, dependent: ScalingCause | undefined): Promise<void> {
    const { metrics, pending } = input;
    const active = input.active;
    const state = this.state.get(cluster.clusterId) ?? { votes: 0, coolDownUntil: 0 };
    const decision = decide({ ...input, ...(dependent ? { dependent } : {}) });
    this.clusterApplication.set(cluster.clusterId, cluster.applicationId);
    this.evaluations.set(cluster.clusterId, {
      at: new Date(now).toISOString(),
      outcome: decision.kind,
      reason: decision.kind === 'hold' ? decision.reason : null,
      scaleDownVotes: decision.kind === 'hold' ? decision.scaleDownVotes : 0,
      metrics: metrics.map((m) => ({ metric: m.metric, threshold: m.threshold, predicted: m.prediction?.predicted ?? null, required: m.prediction ? requiredInstances(m.metric, m.prediction.predicted, m.threshold, active.length) : null })),
    });
    if (decision.kind === 'hold') {
      this.state.set(cluster.clusterId, { ...state, votes: decision.scaleDownVotes });
      return;
    }
    this.state.set(cluster.clusterId, { votes: 0, coolDownUntil: now + this.settings.coolDownS * 1000 });
    await this.apply(cluster, active.length + pending, decision);
  }

  private async apply(cluster: ClusterEntity, from: number, decision: Exclude<ScalingDecision, { kind: 'hold' }>): Promise<void> {
    const cause = decision.cause!;
    const memberId = decision.kind === 'down' ? decision.memberId : undefined;
    this.logger.log(
      `cluster ${cluster.clusterId}: ${decision.kind === 'up' ? 'scaling up' : 'scaling down'} ${from} → ${decision.to} (${cause.metric} predicted ${cause.predicted.toFixed(1)}, threshold ${cause.threshold}: ${cause.required} required${cause.dependentOf ? ` with ${cause.dependentOf}, which it scales with` : ''})${memberId ? `; removing ${memberId}` : ''}`,
    );
    const event = await this.database.transaction(async (tx) => {
      await tx.runtime.setDesiredMembers(cluster.clusterId, decision.to);
      return tx.topology.append(TopologyEventType.ClusterAutoscaled, {
        applicationId: cluster.applicationId,
        clusterId: cluster.clusterId,
        direction: decision.kind,
        from,
        to: decision.to,
        ...(memberId ? { memberId } : {}),
        metric: cause.metric,
        predicted: Math.round(cause.predicted * 10) / 10,
        threshold: cause.threshold,
        required: cause.required,
        ...(cause.dependentOf ? { dependentOf: cause.dependentOf } : {}),
      });
    });
    await this.publisher.publish(event);
    const { applicationId: _application, clusterId: _cluster, ...said } = event.payload as ClusterAutoscaledPayload;
    this.decisions.set(cluster.clusterId, { at: event.timestamp, ...said });
    this.metrics.autoscalerDecisions.inc({ direction: decision.kind });
    await this.reconciler.scaleTo(cluster.clusterId, decision.to, memberId);
  }

  /** What the autoscaler sees of a deployed application: each cluster's windows and predictions, its last evaluation and decision. */
  async statistics(applicationId: string): Promise<ApplicationStatisticsView> {
    const deployment = await this.database.runtime.findDeployment(applicationId);
    if (!deployment) {
      const exists = await this.database.definitions.find('application', applicationId);
      throw DomainError.notFound(exists ? `application "${applicationId}" is not deployed` : `application "${applicationId}" does not exist`);
    }
    const [clusters, members] = await Promise.all([this.database.runtime.clusters(applicationId), this.database.runtime.members({ applicationId })]);
    const since = Date.now() - this.settings.windowS * 1000;
    const window = (statistic: ScalingMetric, samples: Sample[]): StatisticWindowView => ({
      statistic,
      samples: samples.map((s) => ({ at: new Date(s.at).toISOString(), value: Math.round(s.value * 100) / 100 })),
      prediction: predict(samples, this.settings.horizonS),
    });
    const views: ClusterStatisticsView[] = [];
    for (const cluster of clusters) {
      const policy = cluster.spec.autoscalingPolicy ? await this.database.definitions.findDocument('autoscalingPolicy', cluster.spec.autoscalingPolicy) : null;
      const thresholds = Object.fromEntries((['requestsInFlight', 'memoryConsumption', 'loadAverage'] as const).filter((m) => policy?.loadThresholds?.[m]?.threshold !== undefined).map((m) => [m, policy!.loadThresholds[m]!.threshold]));
      views.push({
        clusterId: cluster.clusterId,
        alias: cluster.alias,
        status: cluster.status,
        minMembers: cluster.minMembers,
        maxMembers: cluster.maxMembers,
        desiredMembers: cluster.desiredMembers,
        autoscalingPolicy: cluster.spec.autoscalingPolicy ?? null,
        thresholds,
        balanced: this.windows.balancedSamples(cluster.applicationId, cluster.alias, since).map((series) => ({ reportedBy: series.reportedBy, ...window('requestsInFlight', series.samples) })),
        members: members
          .filter((m) => m.clusterId === cluster.clusterId)
          .map((m) => ({
            memberId: m.memberId,
            status: m.status,
            statistics: (['loadAverage', 'memoryConsumption', 'requestsInFlight'] as const).map((statistic) => window(statistic, this.windows.samples(m.memberId, statistic, since))).filter((w) => w.samples.length > 0),
          })),
        lastEvaluation: this.evaluations.get(cluster.clusterId) ?? null,
        lastDecision: this.decisions.get(cluster.clusterId) ?? null,
      });
    }
    const { intervalS, windowS, horizonS, coolDownS, scaleDownVotes } = this.settings;
    const groups: GroupStatisticsView[] = [];
    for (const group of new Set(clusters.map((c) => c.groupInstance?.group).filter((g): g is string => g !== undefined))) {
      const ref = clusters.find((c) => c.groupInstance?.group === group)!.groupInstance!;
      const key = `${applicationId}/${group}`;
      groups.push({ alias: group, instances: instancesOf(group, clusters), minInstances: ref.minInstances, maxInstances: ref.maxInstances, lastEvaluation: this.groupEvaluations.get(key) ?? null, lastDecision: this.groupDecisions.get(key) ?? null });
    }
    return { applicationId, scaling: { intervalS, windowS, horizonS, coolDownS, scaleDownVotes }, clusters: views, groups };
  }

  /**
   * The application's `dependencies.scalingDependents` as lists of cluster ids, read from its
   * definition as it is now (a changed list applies at the next evaluation). `cartridge.ALIAS`
   * names a cluster — inside a group that scales, a list per instance (a cluster outside the group
   * joins each); `group.ALIAS` a group that scales (groupEntry), in instances; any other group is left out.
   */
  private async scalingDependents(definitionId: string, clusters: ClusterEntity[]): Promise<string[][]> {
    const application = await this.database.definitions.findDocument('application', definitionId);
    const lists = application?.components?.dependencies?.scalingDependents ?? [];
    const present = clusters.filter((c) => !isLeaving(c));
    return lists
      .flatMap((list) => {
        const named = (list.aliases ?? []).filter((a) => a.startsWith('cartridge.')).map((a) => present.filter((c) => c.alias === a.slice('cartridge.'.length)));
        const groups = (list.aliases ?? []).filter((a) => a.startsWith('group.') && present.some((c) => c.groupInstance?.group === a.slice('group.'.length))).map((a) => groupEntry(a.slice('group.'.length)));
        const instances = [...new Set(named.flat().map((c) => c.groupInstance?.instance ?? 1))];
        if (instances.length <= 1) return [[...named.flat().map((c) => c.clusterId), ...groups]];
        return instances.map((n) => [...named.flatMap((same) => (same.length === 1 ? same : same.filter((c) => (c.groupInstance?.instance ?? 1) === n))).map((c) => c.clusterId), ...groups]);
      })
      .filter((ids) => ids.length > 1);
  }

  /** Each group that scales, after its clusters were decided: an instance added or removed (decideGroup), or held. */
  private async evaluateGroups(applicationId: string, clusters: ClusterEntity[], members: MemberEntity[], prepared: Prepared[], dependents: Map<string, ScalingCause>): Promise<void> {
    const groups = new Map<string, ClusterEntity[]>();
    for (const cluster of clusters) if (cluster.groupInstance) groups.set(cluster.groupInstance.group, [...(groups.get(cluster.groupInstance.group) ?? []), cluster]);
    for (const [group, all] of groups) {
      const key = `${applicationId}/${group}`;
      const present = all.filter((c) => !isLeaving(c));
      if (present.length === 0) continue;
      const { minInstances, maxInstances } = present[0].groupInstance!;
      const numbers = instancesOf(group, all);
      const state = this.groupState.get(key) ?? { votes: 0, coolDownUntil: 0 };
      const now = Date.now();
      const decision = decideGroup({
        minInstances,
        maxInstances,
        instances: numbers.map((instance) => {
          const own = present.filter((c) => c.groupInstance!.instance === instance);
          return { instance, ready: own.every((c) => c.status === ClusterStatus.Active), clusters: own.map((c) => this.groupChild(c, members, prepared)) };
        }),
        leaving: all.some(isLeaving),
        scaleDownVotes: state.votes,
        scaleDownAfter: this.settings.scaleDownVotes,
        coolDownUntil: state.coolDownUntil,
        now,
        ...(dependents.has(groupEntry(group)) ? { dependent: dependents.get(groupEntry(group)) } : {}),
      });
      this.groupEvaluations.set(key, { at: new Date(now).toISOString(), outcome: decision.kind, reason: decision.kind === 'hold' ? decision.reason : null, scaleDownVotes: decision.kind === 'hold' ? decision.scaleDownVotes : 0 });
      if (decision.kind === 'hold') {
        this.groupState.set(key, { ...state, votes: decision.scaleDownVotes });
        continue;
      }
      this.groupState.set(key, { votes: 0, coolDownUntil: now + this.settings.coolDownS * 1000 });
      await this.applyGroup(applicationId, group, present, numbers, decision);
    }
  }

  /** A cluster of a group instance as decideGroup sees it: its own statistics where the autoscaler reads them. */
  private groupChild(cluster: ClusterEntity, members: MemberEntity[], prepared: Prepared[]): GroupClusterInput {
    const read = prepared.find((p) => p.cluster.clusterId === cluster.clusterId);
    const own = members.filter((m) => m.clusterId === cluster.clusterId);
    const base = { clusterId: cluster.clusterId, alias: cluster.alias, max: cluster.maxMembers };
    if (!read) return { ...base, active: own.filter((m) => m.status === MemberStatus.Active).length, pending: own.filter((m) => STARTING.includes(m.status)).length, cause: null, demand: null };
    const active = read.input.active.length;
    const cause = decisiveMetric(read.input.metrics, active);
    return { ...base, active, pending: read.input.pending, cause, demand: cause ? demand(cause.metric, cause.predicted, cause.threshold, active) : null };
  }

  /** A group instance added (a copy of its clusters as they run, Created: the reconciler launches them) or marked for removal (Terminating: drained, then gone). */
  private async applyGroup(applicationId: string, group: string, present: ClusterEntity[], numbers: number[], decision: Exclude<GroupScalingDecision, { kind: 'hold' }>): Promise<void> {
    const cause = decision.cause;
    const round = (n: number) => Math.round(n * 10) / 10;
    const said = !cause
      ? 'no statistics'
      : cause.dependentOf
        ? `with ${cause.dependentOf}, which it scales with: its ${cause.metric} predicted ${round(cause.predicted)}, threshold ${cause.threshold}: ${cause.required} instance(s) required`
        : `${cause.clusterId}'s ${cause.metric} predicted ${round(cause.predicted)}, threshold ${cause.threshold}: ${cause.required} required`;
    const from = numbers.length;
    const events: TopologyEvent[] = await this.database.transaction(async (tx) => {
      const appended: TopologyEvent[] = [];
      let instance: number;
      let clusterIds: string[];
      let reason: string;
      if (decision.kind === 'up') {
        instance = nextInstance(numbers);
        const rows = instanceRows(present.filter((c) => c.groupInstance!.instance === numbers[0]), instance, new Date());
        await tx.runtime.insertClusters(rows);
        for (const row of rows) {
          const { members: _members, ...cluster } = toClusterView(row);
          appended.push(await tx.topology.append(TopologyEventType.ClusterCreated, { applicationId, cluster }));
        }
        clusterIds = rows.map((r) => r.clusterId).sort();
        reason = cause?.dependentOf ? said : `${said}, more than its cartridgeMax`;
      } else {
        instance = decision.instance;
        const leaving = present.filter((c) => c.groupInstance!.instance === instance);
        for (const cluster of leaving) {
          await tx.runtime.setClusterStatus(cluster.clusterId, ClusterStatus.Terminating);
          appended.push(await tx.topology.append(TopologyEventType.ClusterStatusChanged, { applicationId, clusterId: cluster.clusterId, from: cluster.status, to: ClusterStatus.Terminating }));
        }
        clusterIds = leaving.map((c) => c.clusterId).sort();
        reason = `${said} in all, which ${decision.to} instance(s) hold`;
      }
      const payload = {
        applicationId,
        group,
        direction: decision.kind,
        from,
        to: decision.to,
        instance,
        clusterIds,
        cause: cause ? { clusterId: cause.clusterId, metric: cause.metric, predicted: round(cause.predicted), threshold: cause.threshold, required: cause.required, ...(cause.dependentOf ? { dependentOf: cause.dependentOf } : {}) } : null,
        reason,
      };
      appended.push(await tx.topology.append(TopologyEventType.GroupScaled, payload));
      return appended;
    });
    for (const event of events) await this.publisher.publish(event);
    const scaled = events[events.length - 1];
    const { direction, to, instance, reason } = scaled.payload as { direction: 'up' | 'down'; to: number; instance: number; reason: string };
    this.groupDecisions.set(`${applicationId}/${group}`, { at: scaled.timestamp, direction, from, to, instance, reason });
    this.metrics.autoscalerDecisions.inc({ direction: decision.kind });
    this.logger.log(`application ${applicationId}: group ${group} ${direction === 'up' ? 'scaling up' : 'scaling down'} ${from} → ${to} instance(s), ${direction === 'up' ? 'adding' : 'removing'} instance ${instance} (${reason})`);
    this.reconciler.kick();
  }
}
