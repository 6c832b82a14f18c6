import type { CartridgeView } from './cartridge';
import type { ApplicationStatus, ClusterStatus, MemberStatus } from './runtime/lifecycle';
import type { ClusterCrashes, ClusterView, MemberHealth, MemberView } from './runtime/runtime-views';
import type { MemberMigrationView } from './runtime/migrations';
import type { ArtifactDistributionPayload } from './artifacts/image-artifacts';

export const TopologyEventType = {
  ServiceCreated: 'ServiceCreated',
  ServiceUpdated: 'ServiceUpdated',
  ServiceRemoved: 'ServiceRemoved',
  ApplicationStatusChanged: 'ApplicationStatusChanged',
  ClusterCreated: 'ClusterCreated',
  ClusterStatusChanged: 'ClusterStatusChanged',
  /** A deployed cluster's member bounds changed (stratos app scale). */
  ClusterScaled: 'ClusterScaled',
  /** The autoscaler added or removed members of a cluster, and why (the metric, its prediction and threshold). */
  ClusterAutoscaled: 'ClusterAutoscaled',
  /** The autoscaler added or removed an instance of a group that scales (all its clusters), and why. */
  GroupScaled: 'GroupScaled',
  /** A deployed cluster's spec changed (stratos app upgrade): its members are replaced, one partition at a time. */
  ClusterUpgrading: 'ClusterUpgrading',
  /** Every member of the cluster runs its current revision. */
  ClusterUpgraded: 'ClusterUpgraded',
  ClusterRemoved: 'ClusterRemoved',
  /** A cluster's members keep crashing (ClusterCrashes: how many in a row, the last one's reason, when the next launches), or no longer do (null). */
  ClusterCrashes: 'ClusterCrashes',
  /** A member's migration moved on (MemberMigrationView: its phase, what was copied, the downtime once Done). */
  MemberMigration: 'MemberMigration',
  MemberCreated: 'MemberCreated',
  MemberStatusChanged: 'MemberStatusChanged',
  /** What a member reported that is not a state change: its config re-rendered, a check or hook that failed. */
  MemberNotice: 'MemberNotice',
  /** A tenant signed up to a multi-tenant application (Stratos's tenant-subscribed), or changed its sign-up. */
  ApplicationSignUpAdded: 'ApplicationSignUpAdded',
  /** Every Active member of its clusters prepared the tenant. */
  ApplicationSignUpActive: 'ApplicationSignUpActive',
  ApplicationSignUpRemoved: 'ApplicationSignUpRemoved',
  /** A region's copy of an image artifact's version changed state, or made progress (every 10 %). */
  ArtifactDistribution: 'ArtifactDistribution',
} as const;
export type TopologyEventType = (typeof TopologyEventType)[keyof typeof TopologyEventType];

export interface ServicePayload {
  serviceName: string;
  cartridge: CartridgeView;
}
export interface ServiceRemovedPayload {
  serviceName: string;
}

export interface ApplicationStatusPayload {
  applicationId: string;
  from: ApplicationStatus | null;
  to: ApplicationStatus;
  operationId?: string;
  message?: string;
}
export interface ClusterPayload {
  applicationId: string;
  cluster: Omit<ClusterView, 'members'>;
}
export interface ClusterStatusPayload {
  applicationId: string;
  clusterId: string;
  from: ClusterStatus;
  to: ClusterStatus;
}
export interface ClusterCrashesPayload {
  applicationId: string;
  clusterId: string;
  /** Null: forgiven (the cluster stayed Active a while after its last crash). */
  crashes: ClusterCrashes | null;
}
export interface ClusterScaledPayload {
  applicationId: string;
  clusterId: string;
  from: { min: number; max: number };
  to: { min: number; max: number };
}
/** An autoscaling decision: from how many members to how many, and the statistic that asked for it. */
export interface ClusterAutoscaledPayload {
  applicationId: string;
  clusterId: string;
  direction: 'up' | 'down';
  from: number;
  to: number;
  /** Scale-down: the member that goes (the least loaded). */
  memberId?: string;
  metric: 'requestsInFlight' | 'memoryConsumption' | 'loadAverage';
  predicted: number;
  threshold: number;
  /** The instances the metric required. */
  required: number;
  /** Dependent scaling: the cluster (of its scalingDependents list) whose metric required it; absent: its own. */
  dependentOf?: string;
}
/** A group instance added or removed by the autoscaler (group scaling), and the cluster whose statistic asked for it. */
export interface GroupScaledPayload {
  applicationId: string;
  /** The alias of the group that scales. */
  group: string;
  direction: 'up' | 'down';
  /** Its instances before and after. */
  from: number;
  to: number;
  /** The instance added or removed, and its clusters. */
  instance: number;
  clusterIds: string[];
  /**
   * Up: the cluster at its cartridgeMax that required more — or, for a group in a scalingDependents
   * list, the cluster it follows (dependentOf; `required` is then instances); down: the cluster that
   * needs the most of what is left (null: none reports statistics).
   */
  cause: { clusterId: string; metric: 'requestsInFlight' | 'memoryConsumption' | 'loadAverage'; predicted: number; threshold: number; required: number; dependentOf?: string } | null;
  /** In words, as `stratos topology watch` prints it. */
  reason: string;
}
export interface ClusterUpgradingPayload {
  applicationId: string;
  clusterId: string;
  from: number;
  to: number;
  /** What changed in its spec, as JSON pointers (an image: from what to what). */
  changes: string[];
  operationId: string;
}
export interface ClusterUpgradedPayload {
  applicationId: string;
  clusterId: string;
  revision: number;
  /** Its live members, all of that revision. */
  members: number;
  operationId: string;
}
export interface MemberMigrationPayload {
  applicationId: string;
  clusterId: string;
  memberId: string;
  migration: MemberMigrationView;
}
export interface MemberPayload {
  applicationId: string;
  clusterId: string;
  member: MemberView;
  from?: MemberStatus;
  reason?: string;
}

export interface MemberNoticePayload {
  applicationId: string;
  clusterId: string;
  memberId: string;
  level: 'info' | 'warning';
  message: string;
}

export interface SignUpPayload {
  applicationId: string;
  tenantId: number;
  tenantDomain: string;
  revision: number;
  clusterIds: string[];
}

interface PayloadOf {
  ServiceCreated: ServicePayload;
  ServiceUpdated: ServicePayload;
  ServiceRemoved: ServiceRemovedPayload;
  ApplicationStatusChanged: ApplicationStatusPayload;
  ClusterCreated: ClusterPayload;
  ClusterStatusChanged: ClusterStatusPayload;
  ClusterScaled: ClusterScaledPayload;
  ClusterAutoscaled: ClusterAutoscaledPayload;
  GroupScaled: GroupScaledPayload;
  ClusterUpgrading: ClusterUpgradingPayload;
  MemberMigration: MemberMigrationPayload;
  ClusterUpgraded: ClusterUpgradedPayload;
  ClusterRemoved: ClusterPayload;
  ClusterCrashes: ClusterCrashesPayload;
  MemberCreated: MemberPayload;
  MemberStatusChanged: MemberPayload;
  MemberNotice: MemberNoticePayload;
  ApplicationSignUpAdded: SignUpPayload;
  ApplicationSignUpActive: SignUpPayload;
  ApplicationSignUpRemoved: SignUpPayload;
  ArtifactDistribution: ArtifactDistributionPayload;
}

/**
 * A topology event as published on MQTT and streamed to watchers. `revision` increases
 * by one per change of the topology, across all event types, so that a watcher can resume
 * from the last revision it saw; `eventId` makes a duplicate (QoS 1) delivery harmless.
 */
export interface TopologyEvent<T extends TopologyEventType = TopologyEventType> {
  eventId: string;
  revision: number;
  type: T;
  timestamp: string;
  payload: PayloadOf[T];
}

/**
 * Not stored, not on MQTT: what the event stream sends a watcher resuming from a revision the
 * log no longer holds (purged after STRATOS_EVENT_RETENTION_HOURS) — the topology as it is at
 * `revision`, and why; the events after it follow as usual.
 */
export const SNAPSHOT_EVENT = 'Snapshot';
export interface TopologySnapshotEvent {
  type: typeof SNAPSHOT_EVENT;
  revision: number;
  timestamp: string;
  notice: string;
  /** As GET /api/topology answers. */
  payload: { revision: number; services: unknown[]; applications: unknown[] };
}

/**
 * Not a topology event (no revision, not stored, not resumable): the members' health reports the
 * controller wrote in its last batch (every few seconds). `GET /api/topology/events?health=true`
 * streams them as `MemberHealth` events, a tenant's users their own members' only.
 */
export const MEMBER_HEALTH_EVENT = 'MemberHealth';
export interface MemberHealthBatch {
  type: typeof MEMBER_HEALTH_EVENT;
  timestamp: string;
  members: { applicationId: string; clusterId: string; memberId: string; health: MemberHealth }[];
}
