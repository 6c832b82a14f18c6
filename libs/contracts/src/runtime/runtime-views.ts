import type { ApplicationStatus, ClusterStatus, MemberStatus } from './lifecycle';

/** A declared port and where a member really serves it (a free host port, or the same port on its own address). */
export interface PortBinding {
  name?: string;
  protocol: string;
  /** As the cartridge declares it. */
  port: number;
  /** Where it is reachable on `host`. */
  hostPort: number;
}

export interface MemberView {
  memberId: string;
  clusterId: string;
  applicationId: string;
  status: MemberStatus;
  /** Its slot in the cluster (ZooKeeper's myid): a replacement inherits it. */
  sid: number;
  networkPartitionId: string;
  partitionId: string;
  driver: string;
  /** Process id or container id, once launched. */
  instanceId: string | null;
  /** The image it was launched from (its region's copy of an artifact, a baked image, the cartridge's); null for a local member or one launched before this was kept. */
  image: string | null;
  /** The revision of its cluster's spec it was launched from (ClusterView.revision: the current one). */
  clusterRevision: number;
  host: string | null;
  ports: PortBinding[];
  createdAt: string;
  statusChangedAt: string;
  health?: MemberHealth | null;
}

export interface ClusterView {
  clusterId: string;
  applicationId: string;
  alias: string;
  serviceName: string;
  /** '/' for the application's own cartridges, else the aliases of the enclosing groups. */
  groupPath: string[];
  status: ClusterStatus;
  minMembers: number;
  maxMembers: number;
  deploymentPolicy: string;
  /** Aliases (cartridge.x, group.y) that must be Active before this cluster starts. */
  startsAfter: string[];
  /** Its spec's revision: 0 at deploy, raised by each `stratos app upgrade` that changes what its members are launched from. */
  revision: number;
  /** Group scaling: the instance of its scaling group it belongs to; null outside any group that scales. */
  groupInstance: GroupInstanceRef | null;
  members: MemberView[];
  /** In the runtime view: how many members the cluster has (`members` may list fewer: RuntimePage). */
  memberCount?: number;
  /** In the runtime view: the cluster's members by state, all of them. */
  membersByStatus?: Partial<Record<MemberStatus, number>>;
  /** In the runtime view: where `members` was cut short, the `after` that lists the rest (with `cluster`); null when all are listed. */
  nextMembersAfter?: string | null;
  /** Its members keep crashing (a crash loop, as Kubernetes says): how many in a row, the last one's reason, when it launches again. Null: none lately. */
  crashes?: ClusterCrashes | null;
}

/**
 * A cluster whose members keep failing to start (Lost before they were Active, or soon after):
 * the controller launches the next one only after a back-off that doubles with each crash (1 s,
 * 2 s, 4 s … at most 30 s), and forgets the count once the cluster has stayed Active a while.
 */
export interface ClusterCrashes {
  inARow: number;
  lastMemberId: string;
  /** Why the last one was Lost (its agent's words where it said any). */
  lastReason: string;
  lastAt: string;
  /** When the controller launches its next member, at the earliest. */
  nextLaunchAt: string;
}

/**
 * A cluster's place in a group that scales (groupScalingEnabled): instance 1 is deployed with the
 * application (its clusters keep their plain ids), instance n > 1 adds a copy of every cluster of
 * the group, `<clusterId>~g<n>`, and goes with all of them.
 */
export interface GroupInstanceRef {
  /** The alias of the group that scales (the outermost on its path). */
  group: string;
  instance: number;
  minInstances: number;
  maxInstances: number;
}

/** A group of a deployed application; its status follows its clusters (Stratos's group states). */
export interface GroupView {
  alias: string;
  /** Aliases of the enclosing groups, outermost first. */
  groupPath: string[];
  status: ClusterStatus;
  /** Its instances now (1 unless it scales: groupScalingEnabled), not counting one being removed. */
  instances: number;
}

export interface ApplicationRuntime {
  /** The deployment's key: the application's id, or `<application>~t<tenantId>` for a tenant's own. */
  applicationId: string;
  /** The tenant whose own deployment it is; null: the platform's. */
  tenantId: number | null;
  status: ApplicationStatus;
  policyId: string;
  deployedAt: string;
  groups: GroupView[];
  clusters: ClusterView[];
}

export interface MemberHealth {
  loadAverage: number;
  memoryConsumption: number;
  requestsInFlight?: number;
  timestamp: string;
}

export interface OperationView {
  operationId: string;
  kind: 'deploy' | 'undeploy' | 'bake' | 'upgrade';
  applicationId: string;
  status: 'running' | 'succeeded' | 'failed';
  message: string;
  startedAt: string;
  finishedAt: string | null;
}

/** A statistic the autoscaler predicts from. */
export type ScalingStatistic = 'requestsInFlight' | 'memoryConsumption' | 'loadAverage';

/** Stratos's prediction of one statistic from its window (scaling-rules.ts): average, per-second gradient and second derivative, and the value `horizonS` ahead. */
export interface StatisticPrediction {
  average: number;
  gradient: number;
  secondDerivative: number;
  predicted: number;
}

/** One statistic's window: its samples (as the controller received them) and their prediction (null: no samples). */
export interface StatisticWindowView {
  statistic: ScalingStatistic;
  samples: { at: string; value: number }[];
  prediction: StatisticPrediction | null;
}

/** The autoscaler's last look at a cluster. */
export interface ScalingEvaluationView {
  at: string;
  outcome: 'up' | 'down' | 'hold';
  /** A hold's reason (cool-down, votes, no statistics, within bounds, …). */
  reason: string | null;
  /** Consecutive evaluations that wanted fewer members (a scale-down needs more than the setting). */
  scaleDownVotes: number;
  /** Each of the policy's metrics, the cluster's prediction and the instances it requires. */
  metrics: { metric: ScalingStatistic; threshold: number; predicted: number | null; required: number | null }[];
}

export interface ClusterStatisticsView {
  clusterId: string;
  alias: string;
  status: string;
  minMembers: number;
  maxMembers: number;
  /** The autoscaler's count, where it decided one (within min and max). */
  desiredMembers: number | null;
  /** The policy it scales by (null: none; such a cluster stays within its bounds). */
  autoscalingPolicy: string | null;
  thresholds: Partial<Record<ScalingStatistic, number>>;
  /** Requests in flight as the cluster's load balancers count them, one window per balancer member. */
  balanced: (StatisticWindowView & { reportedBy: string })[];
  members: { memberId: string; status: string; statistics: StatisticWindowView[] }[];
  lastEvaluation: ScalingEvaluationView | null;
  /** The last ClusterAutoscaled event's decision, and when. */
  lastDecision: { at: string; direction: 'up' | 'down'; from: number; to: number; metric: ScalingStatistic; predicted: number; threshold: number; required: number; memberId?: string; dependentOf?: string } | null;
}

/** GET /api/applications/{id}/statistics: what the autoscaler sees and decided, per cluster and member. */
export interface ApplicationStatisticsView {
  applicationId: string;
  /** The autoscaler's settings: every intervalS (0: off), a windowS window, predicted horizonS ahead. */
  scaling: { intervalS: number; windowS: number; horizonS: number; coolDownS: number; scaleDownVotes: number };
  clusters: ClusterStatisticsView[];
  /** Groups that scale (groupScalingEnabled): their instances, the last evaluation and decision. */
  groups: GroupStatisticsView[];
}

export interface GroupStatisticsView {
  alias: string;
  /** The instance numbers it has now (not one being removed). */
  instances: number[];
  minInstances: number;
  maxInstances: number;
  lastEvaluation: { at: string; outcome: 'up' | 'down' | 'hold'; reason: string | null; scaleDownVotes: number } | null;
  /** The last GroupScaled event's decision, and when. */
  lastDecision: { at: string; direction: 'up' | 'down'; from: number; to: number; instance: number; reason: string } | null;
}
