import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  ApplicationStatus,
  ClusterStatus,
  MEMBERS_RUNNING_MESSAGE,
  LaunchKey,
  STRATOS_SUPER_TENANT_ID,
  LIVE_MEMBER_STATES,
  MemberStatus,
  TopologyEventType,
  type ClusterCrashes,
  type ClusterSpec,
  type Placement,
  type TopologyEvent,
} from '@stratos/contracts';
import type { ActualInstance, IaasDriver, LaunchedInstance } from '@stratos/iaas';
import { withTimeout } from '@stratos/runtime';
import { Database, toClusterView, type ClusterEntity, type DeploymentEntity, type MemberEntity, type Repositories } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { agentMqttKeepaliveS, agentStartFailure, DEFAULT_HEALTH_INTERVAL_S, silenceGraces } from '@stratos/contracts';
import { AgentSilence } from './agent-silence';
import { RecentMembers } from './recent-members';
import { ClusterSeats } from './cluster-seats';
import { ClusterFloors } from './cluster-floor';
import { isLeaving, sees } from './group-instances';
import { CrashBackoff } from './crash-backoff';
import { PassActivity } from './pass-activity';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { nextPlacement, withoutUnmet } from './deployment-plan';
import { membersWanted, nextUpgradeStep, outdatedMembers, surplusOrder, targetMembers } from './rolling-upgrade';
import { MemberCredentials, type BrokerCredentials } from './member-credentials.service';
import { MemberLifecycle } from './member-lifecycle.service';
import { SecretBox } from '../secrets/secret-box';
import { ControllerMetrics } from '../metrics/controller-metrics.service';

const GRACE_MS = 10_000;
/** A member about to be launched: its id and its broker identity. */
interface PreparedMember {
  memberId: string;
  broker: BrokerCredentials;
}

const SLOW_PASS_MS = 30_000;
/** Passes asked for this close together (kickAt) are one pass. */
const KICK_MERGE_MS = 50;
/** Times kept for later passes at most (members' graces and drains; the periodic resync covers the rest). */
const MAX_KICKS_AT = 10_000;
/** The longest pause between passes asked for back to back (see kick). */
const PASS_PAUSE_MAX_MS = 1000;
/** Members whose instance should be running. */
const LAUNCHED: MemberStatus[] = [MemberStatus.Initialized, MemberStatus.Starting, MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];
const STARTING: MemberStatus[] = [MemberStatus.Created, MemberStatus.Initialized, MemberStatus.Starting];
/** Members whose agent has connected (it said InstanceStarted) and so reports health at least once a keepalive. */
const instanceKey = (driver: string, memberId: string) => `${driver}/${memberId}`;
const HEARD_FROM: MemberStatus[] = [MemberStatus.Starting, MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];

/**
 * Drives what runs towards what PostgreSQL says should run. Each pass re-reads desired state
 * (deployments, clusters, members) and actual state (what the drivers report), and takes the
 * steps that close the gap; every step is safe to repeat, so a pass interrupted by a crash is
 * finished by the next. Agent events only record facts and ask for a pass.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Reconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Clusters whose members fail to start wait before the next launch (1 s, 2 s, … 30 s). */
  private readonly backoff = new CrashBackoff();
  /** What the running pass is doing: the slow pass's log line says it. */
  private readonly activity = new PassActivity();
  /** Drivers whose last list() failed (said once per outage). */
  private readonly unreachableDrivers = new Set<string>();
  private readonly floors = new ClusterFloors();
  /** Per cluster, the member the autoscaler chose to remove: the first of its surplus once its count is lowered. */
  private readonly retiring = new Map<string, string>();
  /** Members draining (ReadyToShutDown, out of the balancers) and when they are stopped; a restarted controller stops them at once. */
  private readonly draining = new Map<string, number>();
  private nextKick?: { at: number; timer: NodeJS.Timeout };
  /** The times passes were asked for (kickAt), earliest first. */
  private readonly kicksAt: number[] = [];
  /** Partitions closed to new members (NETWORK_PARTITION/PARTITION), as the pass began. */
  private cordoned = new Set<string>();
  /** What drivers said of a partition's constraints (unplaceable), for a few seconds. */
  private readonly unplaceableSeen = new Map<string, { why: string | null; until: number }>();
  /** Operations of deployments known not to be a running upgrade (finished, or another kind): not read again. */
  private readonly operationsSettled = new Set<string>();
  /** Member instances running per application after the last pass (none yet: undefined). */
  private runningAfterLastPass?: Map<string, number>;

  constructor(
    private readonly database: Database,
    private readonly drivers: DriverRegistry,
    private readonly lifecycle: MemberLifecycle,
    private readonly publisher: TopologyPublisher,
    private readonly settings: ControllerSettings,
    private readonly credentials: MemberCredentials,
    private readonly metadata: MetadataPublisher,
    private readonly secrets: SecretBox,
    private readonly metrics: ControllerMetrics,
    private readonly silence: AgentSilence,
    private readonly recentMembers: RecentMembers,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.role === 'standby') return; // the leader's
    // And again a second later: an engine may say a container died before its listing says it stopped.
    for (const driver of this.drivers.all())
      driver.onInstanceExit?.(() => {
        this.kick();
        this.kickAt(Date.now() + 1000);
      });
    this.timer = setInterval(() => this.kick(), this.settings.reconcileIntervalMs);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.nextKick?.timer);
    clearInterval(this.timer);
    await this.running;
    if (this.settings.role === 'standby') return; // it ran no pass: the members are the leader's to report
    const running = await this.runningNow();
    if (running) process.send?.({ type: MEMBERS_RUNNING_MESSAGE, applications: Object.fromEntries(running) });
  }

  /**
   * What runs per application as the drivers list it now — not as the last pass began (that pass
   * may have terminated them all: an undeploy just before Ctrl-C); a driver that does not answer
   * within 2 s is counted as the last pass found it.
   */
  private async runningNow(): Promise<Map<string, number> | undefined> {
    const running = new Map<string, number>();
    for (const driver of this.drivers.all()) {
      try {
        const listed = await withTimeout(driver.list(), 2000, () => new Error(`the ${driver.name} driver did not list its instances within 2 s`));
        for (const instance of listed) if (instance.running) running.set(instance.applicationId, (running.get(instance.applicationId) ?? 0) + 1);
      } catch {
        return this.runningAfterLastPass;
      }
    }
    return running;
  }

  /**
   * Asks for a pass; passes never overlap, and a kick during one gets one more after it — after a
   * pause as long as the pass took (at most PASS_PAUSE_MAX_MS): a storm of events (thousands of
   * members coming up) gets passes half the time, not back to back, and a small platform, whose
   * passes take milliseconds, waits milliseconds.
   */
  /**
   * The autoscaler's decision: the cluster's member count (within its bounds), and on a scale-down
   * the member to shut down first. Stored, then a pass acts on it (it launches or shuts down).
   */
  async scaleTo(clusterId: string, members: number, retire?: string): Promise<void> {
    if (retire) this.retiring.set(clusterId, retire);
    await this.database.runtime.setDesiredMembers(clusterId, members);
    this.kick();
  }

  /** A pass soon (on a standing-by controller: the leader is asked for one). */
  kick(): void {
    if (this.settings.role === 'standby') return this.publisher.askLeader({ reconcile: true });
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const started = Date.now();
        await this.onePass();
        if (this.again && !this.stopped) await new Promise((r) => setTimeout(r, Math.min(Date.now() - started, PASS_PAUSE_MAX_MS)));
      } while (this.again && !this.stopped);
    })().finally(() => (this.running = null));
  }

  private async onePass(): Promise<void> {
    const started = Date.now();
    const timer = this.metrics.reconcilePass.startTimer();
    this.activity.start(started);
    // Every SLOW_PASS_MS while it runs, with what it is doing: a long pass (a deploy of thousands) is not a hung one.
    const watchdog = setInterval(() => this.logger.warn(this.activity.describe(Date.now())), SLOW_PASS_MS);
    watchdog.unref();
    try {
      await this.metadata.batch(() => this.pass());
    } catch (error) {
      this.logger.error(`reconcile pass failed after ${Date.now() - started} ms: ${(error as Error).stack ?? (error as Error).message}`);
    } finally {
      timer();
      clearInterval(watchdog);
    }
  }

  /**
   * A pass at `when` (the periodic resync does not wait for it). Every time asked for gets its
   * pass — a member's grace ending after another's drain — one timer for the earliest; times
   * within KICK_MERGE_MS of one already asked for share its pass.
   */
  kickAt(when: number): void {
    if (this.stopped || this.kicksAt.some((at) => Math.abs(at - when) <= KICK_MERGE_MS)) return;
    if (this.kicksAt.length >= MAX_KICKS_AT) this.kicksAt.pop(); // the latest: the periodic resync covers it
    this.kicksAt.push(when);
    this.kicksAt.sort((a, b) => a - b);
    this.armNextKick();
  }

  private armNextKick(): void {
    const at = this.kicksAt[0];
    if (at === undefined || this.nextKick?.at === at) return;
    clearTimeout(this.nextKick?.timer);
    const timer = setTimeout(() => {
      this.nextKick = undefined;
      this.kicksAt.shift();
      this.kick();
      this.armNextKick();
    }, Math.max(0, at - Date.now()));
    timer.unref();
    this.nextKick = { at, timer };
  }

  /** Resolves when a pass that started after this call has finished (for tests and CLI waits). */
  async settle(): Promise<void> {
    await this.running;
    this.kick();
    await this.running;
  }

  private async pass(): Promise<void> {
    // By driver and member: a member migrated live has an instance in two regions for a moment, and only its recorded driver's counts.
    const actual = new Map<string, ActualInstance & { driver: string }>();
    // A driver that cannot say what runs (a region's engine gone) leaves its members as they are: unknown is not gone.
    const unreachable = new Set<string>();
    const listedAt = Date.now();
    for (const driver of this.drivers.all()) {
      try {
        for (const instance of await driver.list()) actual.set(instanceKey(driver.name, instance.memberId), { ...instance, driver: driver.name });
        if (this.unreachableDrivers.delete(driver.name)) this.logger.log(`the ${driver.name} driver answers again`);
      } catch (error) {
        unreachable.add(driver.name);
        if (!this.unreachableDrivers.has(driver.name)) this.logger.warn(`the ${driver.name} driver cannot list its instances (${(error as Error).message}): its members are left as they are until it answers`);
        this.unreachableDrivers.add(driver.name);
      }
    }
    this.cordoned = await this.database.runtime.cordoned();
    const deployments = await this.database.runtime.deployments();
    const deactivated = deployments.some((d) => d.tenantId !== null) ? await this.database.tenants.inactive() : new Map<number, string>();
    const known = new Set<string>();
    for (const deployment of deployments) {
      if (this.stopped) return;
      const suspendedBy = deployment.tenantId !== null ? deactivated.get(deployment.tenantId) : undefined;
      this.activity.reconciling(deployment.applicationId);
      await this.reconcileApplication(deployment, { instances: actual, listedAt }, known, suspendedBy, unreachable);
    }
    this.silence.keepOnly(known);
    await this.removeOrphans(unreachable, known);
    // What runs, per application, as this pass leaves it: told to npm start when the controller stops.
    const running = new Map<string, number>();
    for (const instance of actual.values()) if (instance.running) running.set(instance.applicationId, (running.get(instance.applicationId) ?? 0) + 1);
    this.runningAfterLastPass = running;
  }

  /**
   * `known` collects the ids of the application's members, as the pass found them; `suspendedBy`
   * names the deactivated tenant whose deployment this is (its members are held Suspended).
   */
  private async reconcileApplication(deployment: DeploymentEntity, { instances: actual, listedAt }: { instances: Map<string, ActualInstance & { driver: string }>; listedAt: number }, known: Set<string>, suspendedBy?: string, unreachable = new Set<string>()): Promise<void> {
    const all = await this.database.runtime.clusters(deployment.applicationId);
    let readAt = Date.now();
    let members = await this.database.runtime.members({ applicationId: deployment.applicationId });
    this.recentMembers.refresh(members, readAt); // the agent listener's rows for health reports: read now, not again by it
    for (const member of members) known.add(member.memberId);
    if (!deployment.desired) return this.takeDown(deployment, all, members);
    // Each step reads the members again only when the one before changed any: with thousands of
    // members and nothing happening, a pass reads them once.
    let changed = false;
    const transition = async (...args: Parameters<MemberLifecycle['transition']>) => {
      changed = true;
      return this.lifecycle.transition(...args);
    };
    const reread = async () => {
      if (!changed) return;
      changed = false;
      readAt = Date.now();
      members = await this.database.runtime.members({ applicationId: deployment.applicationId });
      this.recentMembers.refresh(members, readAt);
    };

    // Facts first: what vanished, what never came up, what is stopping by itself.
    const now = Date.now();
    for (const member of members.filter((m) => m.status === MemberStatus.Created || (m.instanceId === null && LAUNCHED.includes(m.status)))) {
      // No launch is in flight between passes: a member with no instance recorded is one whose
      // launch a crash (or a deposed leader) interrupted — its agent may have come up and said so,
      // through the broker's session, before this pass. It is replaced; an instance the driver did
      // start is an orphan, removed below.
      await transition(member.memberId, MemberStatus.Lost, { reason: 'its launch was interrupted' });
    }
    await reread();
    // An agent silent for longer than the grace — since its Last Will, or since it was last heard
    // from at all: Lost (its process may run on, unreachable).
    const graces = silenceGraces(this.settings);
    const connected = members.filter((m) => HEARD_FROM.includes(m.status)).map((m) => ({ memberId: m.memberId, since: m.statusChangedAt.getTime() }));
    for (const { memberId, silentMs, cause } of this.silence.overdue(now, graces, connected)) {
      const member = members.find((m) => m.memberId === memberId);
      if (!member) continue; // another application's
      this.silence.forget(memberId);
      if (!LAUNCHED.includes(member.status)) continue;
      const reason =
        cause === 'will'
          ? `its agent disconnected (Last Will) and did not reconnect within ${Math.round(graces.willMs / 1000)} s (silent ${Math.round(silentMs / 1000)} s)`
          : `its agent has not been heard from for ${Math.round(silentMs / 1000)} s (no health report within the grace, ${Math.round(graces.quietMs / 1000)} s)`;
      await transition(memberId, MemberStatus.Lost, { reason });
    }
    await reread();
    for (const member of members) {
      const instance = actual.get(instanceKey(member.driver, member.memberId));
      if (unreachable.has(member.driver)) continue;
      // Another host's (a local member launched by a controller with a STRATOS_HOME of its own): not
      // listed here, and not gone for that — its agent's silence says whether it lives.
      if (!instance && this.elsewhere(member)) continue;
      // A record changed after the drivers were asked (a live migration switched the member to
      // its target's instance meanwhile) is not judged by that older list: the next pass will.
      if (member.statusChangedAt.getTime() >= listedAt) continue;
      if (LAUNCHED.includes(member.status) && (!instance || !instance.running)) {
        const said = member.instanceId ? await this.agentStartFailureOf(member.driver, member.instanceId) : undefined;
        await transition(member.memberId, MemberStatus.Lost, { reason: `its ${member.driver} instance ${member.instanceId ?? ''} is gone${instance?.stopReason ? `: ${instance.stopReason}` : ''}${said ? `; its agent said: ${said}` : ''}` });
      } else if (STARTING.includes(member.status) && now - member.statusChangedAt.getTime() > this.settings.memberStartTimeoutMs && now - member.createdAt.getTime() > this.settings.memberStartTimeoutMs) {
        await transition(member.memberId, MemberStatus.Lost, { reason: `not Active within ${this.settings.memberStartTimeoutMs / 1000} s` });
      }
    }
    await reread();
    for (const member of members.filter((m) => m.status === MemberStatus.Lost || m.status === MemberStatus.ReadyToShutDown)) {
      const drainedAt = this.draining.get(member.memberId);
      if (member.status === MemberStatus.ReadyToShutDown && drainedAt !== undefined && drainedAt > now) {
        this.kickAt(drainedAt); // out of the balancers' trees, still serving what they sent it: stopped once drained
        continue;
      }
      this.draining.delete(member.memberId);
      if (member.status === MemberStatus.Lost && this.backoff.isCrash(member.activatedAt?.getTime() ?? null, now)) {
        const delay = this.backoff.failed(member.clusterId, now);
        const lasted = member.activatedAt ? `was Active ${((now - member.activatedAt.getTime()) / 1000).toFixed(1)} s` : 'never became Active';
        const inARow = this.backoff.failures(member.clusterId);
        this.logger.warn(`cluster ${member.clusterId}: member ${member.memberId} ${lasted}; crash ${inARow} in a row, the next launch waits ${delay / 1000} s`);
        const lastReason = `${member.lostReason ?? 'Lost'}${member.activatedAt ? ` (it was Active ${((now - member.activatedAt.getTime()) / 1000).toFixed(1)} s)` : ''}`;
        await this.setClusterCrashes(member, { inARow, lastMemberId: member.memberId, lastReason, lastAt: new Date(now).toISOString(), nextLaunchAt: new Date(now + delay).toISOString() });
      }
      changed = true;
      await this.terminate(member, 0);
    }
    await reread();

    // A deactivated tenant's members are Suspended: they run on, out of the trees other clusters
    // read (a load balancer stops sending them traffic); its activation makes them Active again.
    // Level, not edge: a member that comes up while its tenant is deactivated is suspended too.
    for (const member of members) {
      if (suspendedBy !== undefined && member.status === MemberStatus.Active) {
        await transition(member.memberId, MemberStatus.Suspended, { reason: `its tenant ${suspendedBy} is deactivated` });
      } else if (suspendedBy === undefined && member.status === MemberStatus.Suspended) {
        await transition(member.memberId, MemberStatus.Active, { reason: 'its tenant is active again' });
      }
    }
    await reread();

    // A group instance the autoscaler removed: its members go (drained, as a scale-down's), then its clusters.
    const leaving = all.filter(isLeaving);
    for (const cluster of leaving) {
      for (const member of members.filter((m) => m.clusterId === cluster.clusterId && LIVE_MEMBER_STATES.includes(m.status) && m.status !== MemberStatus.ReadyToShutDown)) {
        changed = true;
        await this.drainThenStop(member, `its group instance (${cluster.groupInstance?.group} ${cluster.groupInstance?.instance}) was removed`);
      }
    }
    await reread();
    const emptied = leaving.filter((c) => !members.some((m) => m.clusterId === c.clusterId));
    if (emptied.length > 0) await this.removeClusters(deployment, emptied);
    const clusters = all.filter((c) => !isLeaving(c));

    // Cluster states, and what a failed cluster takes down with it. A suspended member is up: a
    // suspension is the platform's own doing, not a failure for termination behaviours to act on.
    const statusOf = new Map<string, ClusterStatus>();
    for (const cluster of clusters) {
      // A migrating member is the platform's doing too: moved, not failed.
      const active = members.filter((m) => m.clusterId === cluster.clusterId && (m.status === MemberStatus.Active || m.status === MemberStatus.Suspended || m.status === MemberStatus.Migrating)).length;
      const next = this.floors.next(cluster, active);
      statusOf.set(cluster.clusterId, next);
      // A crash loop another leader recorded goes on here (its back-off, and its forgiving).
      if (cluster.crashes) this.backoff.resume(cluster.clusterId, { inARow: cluster.crashes.inARow, lastAt: Date.parse(cluster.crashes.lastAt), nextLaunchAt: Date.parse(cluster.crashes.nextLaunchAt) });
      if (next === ClusterStatus.Active) {
        if (this.backoff.active(cluster.clusterId, now)) {
          if (cluster.crashes) await this.setClusterCrashes(cluster, null);
        } else {
          const forgiven = this.backoff.forgivenAt(cluster.clusterId);
          if (forgiven !== null) this.kickAt(forgiven); // a pass then says the crash loop is over, not the next resync
        }
      }
      if (next !== cluster.status) {
        await this.setClusterStatus(cluster, next);
        if (next === ClusterStatus.Inactive) {
          changed = true;
          await this.applyTermination(cluster, clusters, members);
        }
      }
    }
    await reread();

    // Launch what is missing, where the startup order allows (inside a group that scales: its own instance's).
    const isActive = (cluster: ClusterEntity) => (key: string) => {
      const [kind, alias] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
      const group = clusters.filter((c) => (kind === 'cartridge' ? c.alias === alias : c.groupPath.includes(alias)) && sees(cluster, c));
      return group.length > 0 && group.every((c) => statusOf.get(c.clusterId) === ClusterStatus.Active);
    };
    for (const cluster of clusters) {
      if (!cluster.startsAfter.every(isActive(cluster))) continue;
      if (!this.backoff.mayLaunch(cluster.clusterId, Date.now())) {
        this.kickAt(this.backoff.notBefore(cluster.clusterId)); // not at the next resync, which may be far
        continue;
      }
      const live = members.filter((m) => m.clusterId === cluster.clusterId && LIVE_MEMBER_STATES.includes(m.status));
      // Bounds lowered while deployed (stratos app scale): members of an older revision go first, then the highest slots, gracefully.
      // (An upgrade keeps one over the minimum: the replacement that starts before an old member stops.)
      const chosen = this.retiring.get(cluster.clusterId);
      const surplus = surplusOrder(live, cluster.revision, chosen).slice(0, Math.max(0, live.length - membersWanted(cluster, live)));
      for (const extra of surplus) {
        this.logger.log(`cluster ${cluster.clusterId}: ${live.length} members for ${targetMembers(cluster)} wanted; shutting down ${extra.memberId} (slot ${extra.sid})`);
        if (extra.memberId === chosen) this.retiring.delete(cluster.clusterId);
        await this.drainThenStop(extra, extra.memberId === chosen ? 'the autoscaler removed it (the least loaded)' : `${targetMembers(cluster)} member(s) wanted`);
      }
      const seats = ClusterSeats.of(members, cluster.clusterId);
      launching: for (let missing = targetMembers(cluster) - live.length; missing > 0; ) {
        // Their broker identities together (the broker's users are written once per batch), then one launch after another.
        const identities = await this.issueIdentities(cluster, Math.min(missing, this.credentials.identitiesPerBatch()));
        if (identities.length === 0) break;
        for (const [index, identity] of identities.entries()) {
          const launched = await this.launch(deployment, cluster, seats, undefined, identity);
          if (!launched) {
            for (const unused of identities.slice(index + 1)) void this.credentials.revoke({ memberId: unused.memberId, clusterId: cluster.clusterId }).catch(() => undefined);
            break launching;
          }
          members.push(launched);
          seats.add(launched);
          missing -= 1;
        }
      }
      if (surplus.length === 0) await this.upgradeStep(deployment, cluster, members);
    }
    await this.finishUpgrade(deployment, clusters, members);

    // The application's state: Inactive once a cluster failed (a group instance still coming up is not a failure).
    const allActive = clusters.every((c) => statusOf.get(c.clusterId) === ClusterStatus.Active);
    const failed = clusters.some((c) => statusOf.get(c.clusterId) !== ClusterStatus.Active && statusOf.get(c.clusterId) !== ClusterStatus.Created);
    const next = allActive ? ApplicationStatus.Active : deployment.status === ApplicationStatus.Active && failed ? ApplicationStatus.Inactive : deployment.status;
    if (next !== deployment.status) await this.setApplicationStatus(deployment, next);
  }

  /** A rolling upgrade's next step for a cluster with members of an older revision (rolling-upgrade.ts decides). */
  private async upgradeStep(deployment: DeploymentEntity, cluster: ClusterEntity, members: MemberEntity[]): Promise<void> {
    const live = members.filter((m) => m.clusterId === cluster.clusterId && LIVE_MEMBER_STATES.includes(m.status));
    const step = nextUpgradeStep(cluster, live);
    if (step.kind === 'done' || step.kind === 'wait') return;
    if (step.kind === 'launch') {
      this.logger.log(`cluster ${cluster.clusterId}: upgrading to revision ${cluster.revision}; launching a replacement in ${step.placement.networkPartitionId}/${step.placement.partitionId}`);
      const launched = await this.launch(deployment, cluster, ClusterSeats.of(members, cluster.clusterId), step.placement);
      if (launched) members.push(launched);
      return;
    }
    const old = live.find((m) => m.memberId === step.member.memberId)!;
    this.logger.log(`cluster ${cluster.clusterId}: upgrading to revision ${cluster.revision}; its replacement is Active, shutting down ${old.memberId} (revision ${old.clusterRevision})`);
    await this.terminate(old, GRACE_MS, `replaced by a member of revision ${cluster.revision} (upgrade)`);
    old.status = MemberStatus.Terminated;
  }

  /**
   * An upgrade is finished when no live member of the application runs an older revision than its
   * cluster's: each upgraded cluster says so, and the operation ends. Which upgrade runs is known
   * from the deployment's operation (read once per operation: after a restart too).
   */
  private async finishUpgrade(deployment: DeploymentEntity, clusters: ClusterEntity[], members: MemberEntity[]): Promise<void> {
    if (!clusters.some((c) => c.revision > 0) || this.operationsSettled.has(deployment.operationId)) return;
    const operation = await this.database.runtime.findOperation(deployment.operationId);
    if (!operation || operation.kind !== 'upgrade' || operation.status !== 'running') {
      this.operationsSettled.add(deployment.operationId);
      return;
    }
    const liveOf = (c: ClusterEntity) => members.filter((m) => m.clusterId === c.clusterId && LIVE_MEMBER_STATES.includes(m.status));
    if (clusters.some((c) => outdatedMembers(liveOf(c), c.revision).length > 0 || liveOf(c).some((m) => m.status !== MemberStatus.Active && m.status !== MemberStatus.Suspended))) return;
    const seconds = ((Date.now() - operation.startedAt.getTime()) / 1000).toFixed(1);
    const events = await this.database.transaction(async (tx) => {
      const upgraded = await tx.topology.upgradedClusters(operation.operationId);
      const appended: TopologyEvent[] = [];
      for (const cluster of clusters.filter((c) => upgraded.includes(c.clusterId))) {
        appended.push(await tx.topology.append(TopologyEventType.ClusterUpgraded, { applicationId: deployment.applicationId, clusterId: cluster.clusterId, revision: cluster.revision, members: liveOf(cluster).length, operationId: operation.operationId }));
      }
      await tx.runtime.finishOperation(operation.operationId, 'succeeded', `upgraded in ${seconds} s`);
      return appended;
    });
    this.operationsSettled.add(operation.operationId);
    for (const event of events) await this.publisher.publish(event);
    this.logger.log(`application ${deployment.applicationId} upgraded in ${seconds} s`);
  }

  /** Undeploy: every member shut down (gracefully unless forced), then the clusters and the record go. */
  private async takeDown(deployment: DeploymentEntity, clusters: ClusterEntity[], members: MemberEntity[]): Promise<void> {
    await Promise.all(members.map((m) => this.terminate(m, deployment.force ? 0 : GRACE_MS)));
    if ((await this.database.runtime.members({ applicationId: deployment.applicationId })).length > 0) return;
    // A later deploy of the same application starts afresh: its clusters' failures are not held against it.
    await this.letGo(clusters);
    const events = await this.database.transaction(async (tx) => {
      const appended = await this.clustersRemoved(tx, deployment.applicationId, clusters);
      await tx.runtime.deleteDeployment(deployment.applicationId);
      await tx.metadata.clear(deployment.applicationId);
      const seconds = ((Date.now() - deployment.updatedAt.getTime()) / 1000).toFixed(1);
      await tx.runtime.finishOperation(deployment.operationId, 'succeeded', `undeployed in ${seconds} s`);
      appended.push(
        await tx.topology.append(TopologyEventType.ApplicationStatusChanged, {
          applicationId: deployment.applicationId,
          from: deployment.status,
          to: ApplicationStatus.Terminated,
          operationId: deployment.operationId,
          message: `undeployed in ${seconds} s`,
        }),
      );
      return appended;
    });
    for (const event of events) await this.publisher.publish(event);
    this.logger.log(`application ${deployment.applicationId} undeployed`);
  }

  /** Why an ended instance's agent said its member could not start (the broker did not answer…), from the end of its log. */
  private async agentStartFailureOf(driverName: string, instanceId: string): Promise<string | undefined> {
    const driver = this.drivers.get(driverName);
    if (!driver) return undefined;
    try {
      return agentStartFailure((await driver.logs(instanceId, { tailBytes: 8192 })).text);
    } catch {
      return undefined; // its log went with it
    }
  }

  /**
   * The placements no node can run a member of now, by their drivers (those with nodes: swarm).
   * Asked at launches only, each (driver, constraints) at most every 5 s: a pass launches rarely.
   */
  private async unmetPlacements(placements: Placement[]): Promise<Set<Placement>> {
    const unmet = new Set<Placement>();
    for (const placement of placements) {
      const driver = this.drivers.get(placement.driver);
      if (!driver?.unplaceable) continue;
      const key = `${placement.driver}/${(placement.constraints ?? []).join('&')}`;
      let known = this.unplaceableSeen.get(key);
      if (!known || known.until < Date.now()) {
        const why = await driver.unplaceable(placement.constraints ?? []).catch(() => null); // a manager that does not answer: its own errors say so
        known = { why, until: Date.now() + 5000 };
        this.unplaceableSeen.set(key, known);
        if (why) this.logger.warn(`partition ${placement.networkPartitionId}/${placement.partitionId} takes no member while ${why}`);
      }
      if (known.why) unmet.add(placement);
    }
    return unmet;
  }

  /**
   * Broker identities for `count` new members of the cluster, made together; fewer (none) where
   * the broker does not answer — those members are launched at a later pass.
   */
  private async issueIdentities(cluster: ClusterEntity, count: number): Promise<PreparedMember[]> {
    const memberIds = Array.from({ length: count }, () => `${cluster.alias}-${randomBytes(4).toString('hex')}`);
    const issued = await Promise.allSettled(memberIds.map((memberId) => this.credentials.issue({ memberId, clusterId: cluster.clusterId })));
    const prepared: PreparedMember[] = [];
    issued.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') prepared.push({ memberId: memberIds[i], broker: outcome.value });
      else void this.credentials.revoke({ memberId: memberIds[i], clusterId: cluster.clusterId }).catch(() => undefined); // half of it may exist
    });
    const failed = issued.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) this.logger.warn(`cluster ${cluster.clusterId}: ${count - prepared.length} member(s) not launched this pass, their broker identities cannot be made (${(failed.reason as Error).message}); retrying`);
    return prepared;
  }

  /**
   * `at`: where the member goes (a rolling upgrade's replacement), instead of where the partition algorithm puts it.
   * `prepared`: its id and broker identity, made already (issueIdentities); else made here.
   */
  private async launch(deployment: DeploymentEntity, cluster: ClusterEntity, seats: ClusterSeats, at?: Placement, prepared?: PreparedMember): Promise<MemberEntity | null> {
    const spec = cluster.spec;
    const counts = seats.counts;
    // Partitions in a region whose engine does not answer take no member meanwhile, nor cordoned ones (stratos partition drain): one goes where the policy has room elsewhere.
    const answering = spec.placements.filter((p) => !this.unreachableDrivers.has(p.driver) && !this.cordoned.has(`${p.networkPartitionId}/${p.partitionId}`));
    // Nor a partition no node can run a member of now (swarm: its constraints met by no Ready node), while another can.
    const unmet = await this.unmetPlacements(answering);
    const placeable = withoutUnmet(answering, (p) => unmet.has(p));
    const placement = at && answering.includes(at) ? at : nextPlacement({ ...spec, placements: placeable }, counts);
    if (!placement) {
      const closed = spec.placements.filter((p) => this.cordoned.has(`${p.networkPartitionId}/${p.partitionId}`)).map((p) => `${p.networkPartitionId}/${p.partitionId}`);
      const down = [...new Set(spec.placements.filter((p) => this.unreachableDrivers.has(p.driver)).map((p) => p.driver))];
      const why = answering.length < spec.placements.length ? `no open partition in a region that answers has room${down.length ? ` (${down.join(', ')} not answering)` : ''}${closed.length ? ` (${closed.join(', ')} cordoned)` : ''}` : 'no partition has room for another member';
      this.logger.warn(`cluster ${cluster.clusterId}: ${why}`);
      if (prepared) void this.credentials.revoke({ memberId: prepared.memberId, clusterId: cluster.clusterId }).catch(() => undefined);
      return null;
    }
    const driver = this.drivers.get(placement.driver);
    if (!driver) {
      if (prepared) void this.credentials.revoke({ memberId: prepared.memberId, clusterId: cluster.clusterId }).catch(() => undefined);
      return null;
    }
    const memberId = prepared?.memberId ?? `${cluster.alias}-${randomBytes(4).toString('hex')}`;
    // Its broker identity first: with the broker away (restarting, say) no member is launched — and
    // none is recorded Lost for it; the next pass tries again.
    let broker: BrokerCredentials;
    try {
      broker = prepared?.broker ?? (await this.credentials.issue({ memberId, clusterId: cluster.clusterId }));
    } catch (error) {
      this.logger.warn(`cluster ${cluster.clusterId}: no member launched this pass, its broker identity cannot be made (${(error as Error).message}); retrying`);
      void this.credentials.revoke({ memberId, clusterId: cluster.clusterId }).catch(() => undefined); // half of it may exist
      return null;
    }
    const image = await this.imageFor(spec, placement);
    const now = new Date();
    const row: MemberEntity = {
      memberId,
      clusterId: cluster.clusterId,
      applicationId: deployment.applicationId,
      status: MemberStatus.Created,
      sid: seats.freeSlot(),
      networkPartitionId: placement.networkPartitionId,
      partitionId: placement.partitionId,
      driver: placement.driver,
      instanceId: null,
      host: null,
      image: await imageShown(driver, image.ref),
      clusterRevision: cluster.revision ?? 0,
      incarnation: null,
      launchedOn: driver.hostId ?? this.settings.hostId ?? null,
      ports: [],
      health: null,
      createdAt: now,
      statusChangedAt: now,
      activatedAt: null,
    };
    await this.lifecycle.create(row);
    try {
      const instance = await this.startInstance(deployment, cluster, row, image, broker);
      this.activity.memberLaunched();
      return (await this.lifecycle.launched(memberId, { instanceId: instance.instanceId, host: instance.host, ports: instance.ports })) ?? row;
    } catch (error) {
      this.activity.launchFailed();
      this.logger.warn(`member ${memberId}: launch failed: ${(error as Error).message}`);
      await this.lifecycle.transition(memberId, MemberStatus.Lost, { reason: `launch failed: ${(error as Error).message}` });
      return null;
    }
  }

  /** What a member in `placement` starts from: the cartridge's baked image where it has one (docker members start configured), else the placement's. */
  private async imageFor(spec: ClusterSpec, placement: Placement): Promise<{ ref: string; baked: boolean }> {
    const driver = this.drivers.get(placement.driver);
    const baked = driver?.bake ? (await this.database.cartridges.bakedImages([spec.cartridgeType])).get(spec.cartridgeType) : undefined;
    return { ref: baked?.image ?? placement.imageId, baked: Boolean(baked) };
  }

  /** The member's instance started by its driver (member.driver), in its slot, where the row says (partition, region). */
  private async startInstance(deployment: DeploymentEntity, cluster: ClusterEntity, member: MemberEntity, image: { ref: string; baked: boolean }, broker: BrokerCredentials, extra: Record<string, string> = {}) {
    const spec = cluster.spec;
    const env = { ...(await this.launchPayload(deployment, cluster, spec, member, broker)), ...extra };
    if (image.baked) env[LaunchKey.imageKind] = 'configured';
    return this.drivers.get(member.driver)!.launch({
      memberId: member.memberId,
      clusterId: cluster.clusterId,
      applicationId: deployment.applicationId,
      slot: member.sid,
      imageId: image.ref,
      env,
      ports: spec.ports,
      volumes: spec.volumes,
      limits: spec.limits,
      constraints: spec.placements.find((p) => p.networkPartitionId === member.networkPartitionId && p.partitionId === member.partitionId)?.constraints,
    });
  }

  /**
   * A member started again in `placement` (a migration's target, or its source on a rollback),
   * with the same id and slot. Cold: its one instance, with a broker identity made afresh
   * (incarnation null). Live (`incarnation`): a second instance beside the running one, with a
   * broker identity and client id of its own. Its record is the caller's to update with where it
   * now runs (and, live, which incarnation speaks for it).
   */
  async relaunch(member: MemberEntity, placement: Placement, options: { incarnation?: string; hold?: boolean } = {}): Promise<{ instance: LaunchedInstance; image: string | null }> {
    const deployment = await this.database.runtime.findDeployment(member.applicationId);
    const cluster = await this.database.runtime.findCluster(member.clusterId);
    const driver = this.drivers.get(placement.driver);
    if (!deployment || !cluster) throw new Error(`member ${member.memberId}'s deployment is gone`);
    if (!driver) throw new Error(`no ${placement.driver} driver is installed`);
    const incarnation = options.incarnation ?? null;
    if (incarnation === null) await this.credentials.revoke(member);
    const broker = await this.credentials.issue({ ...member, incarnation });
    const image = await this.imageFor(cluster.spec, placement);
    const moved: MemberEntity = { ...member, networkPartitionId: placement.networkPartitionId, partitionId: placement.partitionId, driver: placement.driver, incarnation };
    const instance = await this.startInstance(deployment, cluster, moved, image, broker, options.hold ? { [LaunchKey.hold]: '1' } : {});
    return { instance, image: await imageShown(driver, image.ref) };
  }

  /** Stratos's launch payload, and the broker credentials of this member alone. */
  private async launchPayload(deployment: DeploymentEntity, cluster: ClusterEntity, spec: ClusterSpec, member: MemberEntity, broker: BrokerCredentials): Promise<Record<string, string>> {
    const bundle = (await this.database.cartridges.bundles([spec.cartridgeType])).get(spec.cartridgeType);
    return {
      ...spec.payload,
      ...(bundle ? { [LaunchKey.bundleSha256]: bundle.sha256 } : {}),
      ...(deployment.metadataToken ? { [LaunchKey.token]: deployment.metadataToken } : {}),
      ...(this.settings.advertiseUrl ? { [LaunchKey.metadataServiceUrl]: `${this.settings.advertiseUrl.replace(/\/$/, '')}/api/metadata` } : {}),
      ...(this.settings.advertiseUrl?.startsWith('https:') && this.settings.apiCaCert ? { [LaunchKey.metadataServiceCaCert]: this.settings.apiCaCert } : {}),
      [LaunchKey.applicationId]: deployment.applicationId,
      [LaunchKey.serviceName]: cluster.serviceName,
      [LaunchKey.clusterId]: cluster.clusterId,
      [LaunchKey.memberId]: member.memberId,
      ...(member.incarnation ? { [LaunchKey.incarnation]: member.incarnation } : {}),
      [LaunchKey.cartridgeAlias]: cluster.alias,
      [LaunchKey.ports]: spec.ports.map((p) => p.port).join('|'),
      [LaunchKey.multitenant]: String(spec.multiTenant),
      // Stratos's: the tenant a member serves alone; -1234 (its super tenant) for the platform's deployments.
      [LaunchKey.tenantId]: deployment.tenantId !== null ? String(deployment.tenantId) : STRATOS_SUPER_TENANT_ID,
      [LaunchKey.networkPartitionId]: member.networkPartitionId,
      [LaunchKey.partitionId]: member.partitionId,
      [LaunchKey.mbUrls]: broker.url,
      [LaunchKey.mbUsername]: broker.username,
      [LaunchKey.mbPassword]: broker.password,
      ...(this.settings.mqttCaCert ? { [LaunchKey.mbCaCert]: this.settings.mqttCaCert } : {}),
      // Its health reports keep its connection alive: no ping between them (agentMqttKeepaliveS).
      [LaunchKey.mbKeepaliveS]: String(agentMqttKeepaliveS(this.settings)),
      // Health doubles as the sign of life where no Last Will comes (see silenceGraces).
      [LaunchKey.healthIntervalMs]: String((this.settings.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S) * 1000),
      ...this.artifactsPayload(spec),
    };
  }

  /** The repository its members clone, the password opened from its sealed form for this launch only. */
  private artifactsPayload(spec: ClusterSpec): Record<string, string> {
    const repository = spec.artifactRepository;
    if (!repository) return {};
    return {
      ...(this.settings.gitUrlRewrites ? { [LaunchKey.gitUrlRewrites]: this.settings.gitUrlRewrites } : {}),
      [LaunchKey.repoUrl]: repository.repoUrl,
      ...(repository.repoUsername ? { [LaunchKey.repoUsername]: repository.repoUsername } : {}),
      ...(repository.repoPassword ? { [LaunchKey.repoPassword]: this.secrets.open(repository.repoPassword) } : {}),
    };
  }

  /**
   * A member no longer wanted (a scale-down, lowered bounds) leaves gracefully: ReadyToShutDown at
   * once — every load balancer's template drops it (they route to Active members) — and stopped
   * only after the drain (memberDrainMs), by a later pass, so that requests already sent to it are
   * answered and none is sent after it stops. Without a drain, or without a running agent: at once.
   */
  private async drainThenStop(member: MemberEntity, why: string): Promise<void> {
    const drainMs = this.settings.memberDrainMs ?? 0;
    if (drainMs <= 0 || member.status !== MemberStatus.Active) return this.terminate(member, GRACE_MS, why);
    await this.lifecycle.transition(member.memberId, MemberStatus.ReadyToShutDown, { reason: `${why}; out of the load balancers for ${drainMs / 1000} s, then stopped` });
    const until = Date.now() + drainMs;
    this.draining.set(member.memberId, until);
    this.kickAt(until);
  }

  /** Launched on another host by a driver whose instances are a host's processes (local): this controller cannot see or stop its instance. */
  private elsewhere(member: MemberEntity): boolean {
    return Boolean(this.drivers.get(member.driver)?.holdsHere && member.launchedOn && this.settings.hostId && member.launchedOn !== this.settings.hostId);
  }

  /** Stops a member's instance (graceMs 0: at once) and records it Terminated (`why`: said in its transitions). Safe to repeat. */
  private async terminate(member: MemberEntity, graceMs: number, why?: string): Promise<void> {
    const driver = this.drivers.get(member.driver);
    if (member.instanceId && this.elsewhere(member) && !(await driver!.holdsHere!(member.memberId))) {
      // Another host's: stopped by its agent, as at a SIGTERM (a pid here is not its). One that is gone or cut off
      // hears nothing, and its host's controller removes what is left as an orphan when it leads.
      this.publisher.tellMember(member.memberId, { type: 'stop', incarnation: member.incarnation ?? null, reason: why ?? 'shut down' });
    } else if (member.instanceId && driver) {
      try {
        await driver.terminate(member.instanceId, { graceMs });
      } catch (error) {
        // A Lost member is silent and replaced already; its engine may be the thing that is down
        // (an undeploy must not wait for it). Its record goes; its instance, when its engine
        // answers again, is an orphan that the sweep removes.
        if (member.status !== MemberStatus.Lost) {
          this.logger.warn(`member ${member.memberId}: terminate failed, will retry: ${(error as Error).message}`);
          return;
        }
        this.logger.warn(`member ${member.memberId} (Lost): its instance could not be stopped (${(error as Error).message}); its record goes, and the instance is removed once ${member.driver} answers`);
      }
    }
    if (member.status !== MemberStatus.Lost && member.status !== MemberStatus.ReadyToShutDown) {
      await this.lifecycle.transition(member.memberId, MemberStatus.ReadyToShutDown, { reason: why ?? 'shutting down' });
    }
    await this.lifecycle.transition(member.memberId, MemberStatus.Terminated, { reason: why ?? (graceMs ? 'shut down' : 'stopped') });
    await this.credentials.revoke(member);
  }

  /** Clusters whose members are all gone: their volumes that go with them, and what the pass kept about them. */
  private async letGo(clusters: ClusterEntity[]): Promise<void> {
    for (const cluster of clusters) {
      await this.removeVolumesOf(cluster);
      this.backoff.forget(cluster.clusterId);
      this.floors.forget(cluster.clusterId);
    }
  }

  /** A ClusterRemoved event per cluster, in the caller's transaction (which deletes them). */
  private async clustersRemoved(tx: Repositories, applicationId: string, clusters: ClusterEntity[]): Promise<TopologyEvent[]> {
    const appended: TopologyEvent[] = [];
    for (const cluster of clusters) {
      const { members: _m, ...view } = toClusterView({ ...cluster, status: ClusterStatus.Terminated });
      appended.push(await tx.topology.append(TopologyEventType.ClusterRemoved, { applicationId, cluster: view }));
    }
    return appended;
  }

  /** What the cartridge says goes with its members (removeOnTermination); the rest stays for a later deploy (or group instance). */
  private async removeVolumesOf(cluster: ClusterEntity): Promise<void> {
    const removable = cluster.spec.volumes.filter((v) => v.removeOnTermination).map((v) => v.id);
    if (removable.length === 0) return;
    for (const name of new Set(cluster.spec.placements.map((p) => p.driver))) {
      await this.drivers
        .get(name)
        ?.removeVolumes(cluster.clusterId, removable)
        .catch((error: Error) => this.logger.warn(`cluster ${cluster.clusterId}: removing its volumes ${removable.join(', ')}: ${error.message}`));
    }
  }

  /** The clusters of a removed group instance, once their members are gone: their volumes (as at an undeploy), their records, said on the feed. */
  private async removeClusters(deployment: DeploymentEntity, clusters: ClusterEntity[]): Promise<void> {
    await this.letGo(clusters);
    const events = await this.database.transaction(async (tx) => {
      const appended = await this.clustersRemoved(tx, deployment.applicationId, clusters);
      await tx.runtime.deleteClusters(clusters.map((c) => c.clusterId));
      return appended;
    });
    for (const event of events) await this.publisher.publish(event);
    this.metadata.touch(deployment.applicationId);
    this.logger.log(`application ${deployment.applicationId}: removed ${clusters.map((c) => c.clusterId).join(', ')} (their group instance was removed)`);
  }

  /** terminate-dependents: the clusters that start after the failed one; terminate-all: its whole level. */
  private async applyTermination(failed: ClusterEntity, clusters: ClusterEntity[], members: MemberEntity[]): Promise<void> {
    const { behaviour, scope } = failed.spec.termination;
    if (behaviour === 'terminate-none') return;
    const keys = [`cartridge.${failed.alias}`, ...failed.groupPath.map((g) => `group.${g}`)];
    const inScope = (c: ClusterEntity) => scope === 'application' || c.groupPath.includes(scope.slice('group.'.length));
    const victims = clusters.filter((c) => {
      if (c.clusterId === failed.clusterId || !inScope(c) || !sees(failed, c)) return false;
      if (behaviour === 'terminate-all') return true;
      return this.dependsOn(c, keys, clusters);
    });
    if (victims.length === 0) return;
    this.logger.log(`cluster ${failed.clusterId} failed (${behaviour}): stopping ${victims.map((v) => v.clusterId).join(', ')}`);
    for (const victim of victims) {
      for (const member of members.filter((m) => m.clusterId === victim.clusterId)) await this.terminate(member, 0);
      if (victim.status === ClusterStatus.Active) await this.setClusterStatus(victim, ClusterStatus.Inactive);
    }
  }

  /** Whether a cluster starts (directly or transitively) after any of `keys`. */
  private dependsOn(cluster: ClusterEntity, keys: string[], clusters: ClusterEntity[], seen = new Set<string>()): boolean {
    if (seen.has(cluster.clusterId)) return false;
    seen.add(cluster.clusterId);
    return cluster.startsAfter.some((key) => {
      if (keys.includes(key)) return true;
      const [kind, alias] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
      return clusters.filter((c) => (kind === 'cartridge' ? c.alias === alias : c.groupPath.includes(alias)) && sees(cluster, c)).some((c) => this.dependsOn(c, keys, clusters, seen));
    });
  }

  /** A cluster's crash loop as it stands (null: forgiven), for the runtime view, watchers (`--wait` stops on it) and the next leader. */
  private async setClusterCrashes(cluster: Pick<ClusterEntity, 'applicationId' | 'clusterId'>, crashes: ClusterCrashes | null): Promise<void> {
    const event = await this.database.transaction(async (tx) => {
      await tx.runtime.setClusterCrashes(cluster.clusterId, crashes);
      return tx.topology.append(TopologyEventType.ClusterCrashes, { applicationId: cluster.applicationId, clusterId: cluster.clusterId, crashes });
    });
    await this.publisher.publish(event);
  }

  private async setClusterStatus(cluster: ClusterEntity, to: ClusterStatus): Promise<void> {
    const event = await this.database.transaction(async (tx) => {
      await tx.runtime.setClusterStatus(cluster.clusterId, to);
      return tx.topology.append(TopologyEventType.ClusterStatusChanged, { applicationId: cluster.applicationId, clusterId: cluster.clusterId, from: cluster.status, to });
    });
    cluster.status = to;
    await this.publisher.publish(event);
  }

  private async setApplicationStatus(deployment: DeploymentEntity, to: ApplicationStatus): Promise<void> {
    const seconds = ((Date.now() - deployment.createdAt.getTime()) / 1000).toFixed(1);
    const message = to === ApplicationStatus.Active && deployment.status === ApplicationStatus.Created ? `deployed in ${seconds} s` : undefined;
    const event = await this.database.transaction(async (tx) => {
      // Conditional: an undeploy that committed after this pass read the row wins.
      if (!(await tx.runtime.setDeploymentStatus(deployment.applicationId, deployment.status, to))) return null;
      if (message) await tx.runtime.finishOperation(deployment.operationId, 'succeeded', message);
      return tx.topology.append(TopologyEventType.ApplicationStatusChanged, { applicationId: deployment.applicationId, from: deployment.status, to, operationId: deployment.operationId, message });
    });
    if (event) await this.publisher.publish(event);
  }

  /** Instances labelled as ours with no member record: stopped. Nothing unlabelled is touched. */
  /** `known`: the members this pass read. */
  private async removeOrphans(unreachable: Set<string>, known: ReadonlySet<string>): Promise<void> {
    for (const driver of this.drivers.all()) {
      if (unreachable.has(driver.name)) continue;
      // Listed afresh: the pass has just stopped some instances itself. A member record is
      // written before its launch, so an instance without one is never a launch in flight.
      const instances = await driver.list();
      // Those of members this pass read have records (one it removed meanwhile had its instance stopped
      // by it); the others are asked in one query: a query per instance was most of an idle pass's CPU
      // (≈1 ms per member), and one naming all 10,000 each pass most of what was left of it.
      const unknown = instances.filter((i) => !known.has(i.memberId));
      const recorded = await this.database.runtime.existingMemberIds(unknown.map((i) => i.memberId));
      for (const instance of unknown) {
        if (recorded.has(instance.memberId)) continue;
        if (instance.running) this.logger.warn(`removing orphan ${driver.name} instance ${instance.instanceId} (member ${instance.memberId} has no record)`);
        await driver.terminate(instance.instanceId, { graceMs: 0 });
      }
    }
  }
}

/**
 * The image a member runs, as its view says: an engine's (every member of a driver that bakes
 * runs one), or one of a local region's trees; none where a local member runs on the host's system.
 */
async function imageShown(driver: IaasDriver, ref: string): Promise<string | null> {
  if (!driver.images) return null;
  if (driver.bake) return ref;
  return (await driver.images.inspect(ref).catch(() => null)) ? ref : null;
}
