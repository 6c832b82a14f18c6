import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { canTransition, isLateShutdownWord, MEMBER_HEALTH_EVENT, MemberStatus, TopologyEventType, type HealthReport, type MemberHealth, type TopologyEvent } from '@stratos/contracts';
import { Database, toMemberView, type MemberEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';

/** How long health statistics wait in memory before they are written, together. */
const HEALTH_FLUSH_MS = 5000;
/** Members' health written (and sent to the live feed) per statement and message. */
const HEALTH_SLICE = 1000;

/**
 * The only writer of member state. A transition that does not fit the current state (a
 * duplicate, a late event) is logged and ignored; each applied one is a topology event.
 * A Terminated member's record is removed: its history is in the topology log.
 */
@Injectable()
export class MemberLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(MemberLifecycle.name);
  private pendingHealth = new Map<string, { applicationId: string; clusterId: string; health: MemberHealth }>();
  private healthTimer?: NodeJS.Timeout;

  constructor(
    private readonly database: Database,
    private readonly publisher: TopologyPublisher,
    private readonly metadata: MetadataPublisher,
    private readonly settings: ControllerSettings,
  ) {}

  async create(row: MemberEntity): Promise<void> {
    const event = await this.database.transaction(async (tx) => {
      // Only the leader makes members: a deposed one's insert is refused (no duplicate member after a failover).
      if (this.settings.leadershipTerm !== undefined) await tx.leadership.fence(this.settings.leadershipTerm);
      await tx.runtime.insertMember(row);
      return tx.topology.append(TopologyEventType.MemberCreated, { applicationId: row.applicationId, clusterId: row.clusterId, member: toMemberView(row) });
    });
    await this.publisher.publish(event);
    this.metadata.touch(row.applicationId);
  }

  /**
   * Applies `to` (and any field changes) if the lifecycle allows it; returns the member as it is now, or null.
   * With `onlyFrom`, `to` is applied from that state alone; from any other the changes are saved without a transition.
   */
  async transition(
    memberId: string,
    to: MemberStatus,
    options: { reason?: string; changes?: Partial<MemberEntity>; onlyFrom?: MemberStatus } = {},
  ): Promise<MemberEntity | null> {
    let event: TopologyEvent | null = null;
    let changedOnly = false;
    const result = await this.database.transaction(async (tx) => {
      const member = await tx.runtime.lockMember(memberId);
      if (!member) return null;
      if (options.onlyFrom !== undefined && member.status !== options.onlyFrom) {
        if (!options.changes) return member;
        const row = { ...member, ...options.changes };
        await tx.runtime.saveMember(row);
        changedOnly = true;
        return row;
      }
      if (member.status === to) {
        if (options.changes) await tx.runtime.saveMember({ ...member, ...options.changes });
        return member;
      }
      if (!canTransition(member.status, to)) {
        const line = `member ${memberId}: ${member.status} → ${to} does not fit the lifecycle; ignored${options.reason ? ` (${options.reason})` : ''}`;
        if (isLateShutdownWord(member.status, to)) this.logger.debug(line);
        else this.logger.log(line);
        return member;
      }
      const from = member.status;
      const updated: MemberEntity = { ...member, ...options.changes, status: to, statusChangedAt: new Date() };
      if (to === MemberStatus.Active) updated.activatedAt ??= updated.statusChangedAt;
      if (to === MemberStatus.Lost) updated.lostReason = options.reason ?? null;
      if (to === MemberStatus.Terminated) await tx.runtime.deleteMember(memberId);
      else await tx.runtime.saveMember(updated);
      event = await tx.topology.append(TopologyEventType.MemberStatusChanged, { applicationId: member.applicationId, clusterId: member.clusterId, member: toMemberView(updated), from, reason: options.reason });
      return updated;
    });
    if (event) {
      await this.publisher.publish(event);
      if (to === MemberStatus.Terminated) this.metadata.forget(memberId, result!.applicationId);
      else this.metadata.touch(result!.applicationId);
    } else if (changedOnly) this.metadata.touch(result!.applicationId);
    return result;
  }

  /**
   * Records where a launched member runs; Created → Initialized unless its agent was quicker
   * and already reported it Starting or Active. Read and written under one row lock: a
   * transition decided on an earlier read would not fit once the agent's event is applied
   * meanwhile, and the instance would be lost with it — the next pass would take the member
   * for one whose launch was interrupted, and replace it.
   */
  launched(memberId: string, changes: Pick<MemberEntity, 'instanceId' | 'host' | 'ports'>): Promise<MemberEntity | null> {
    return this.transition(memberId, MemberStatus.Initialized, { changes, reason: 'instance launched', onlyFrom: MemberStatus.Created });
  }

  /** A member's own report that is not a state change (a re-render, a failed check): a topology event. */
  async notice(member: MemberEntity, notice: { level: 'info' | 'warning'; message: string }): Promise<void> {
    const event = await this.database.transaction((tx) =>
      tx.topology.append(TopologyEventType.MemberNotice, { applicationId: member.applicationId, clusterId: member.clusterId, memberId: member.memberId, ...notice }),
    );
    await this.publisher.publish(event);
  }

  /**
   * Kept in memory and written in batches (one statement every HEALTH_FLUSH_MS): a report is a
   * statistic, not a state change, and a thousand members reporting every few seconds must not
   * cost a thousand UPDATEs. What a crash loses is at most one batch of statistics.
   */
  recordHealth(member: Pick<MemberEntity, 'memberId' | 'applicationId' | 'clusterId'>, report: HealthReport): void {
    const health: MemberHealth = { loadAverage: report.loadAverage, memoryConsumption: report.memoryConsumption, requestsInFlight: report.requestsInFlight, timestamp: report.timestamp };
    this.pendingHealth.set(member.memberId, { applicationId: member.applicationId, clusterId: member.clusterId, health });
    this.healthTimer ??= setTimeout(() => void this.flushHealth(), HEALTH_FLUSH_MS);
  }

  async flushHealth(stopping = false): Promise<void> {
    clearTimeout(this.healthTimer);
    this.healthTimer = undefined;
    const batch = [...this.pendingHealth];
    this.pendingHealth = new Map();
    // In slices, each its own message and statement: with thousands of members, one would hold the
    // event loop (building and sending megabytes) while requests wait.
    for (let start = 0; start < batch.length; start += HEALTH_SLICE) {
      const slice = batch.slice(start, start + HEALTH_SLICE);
      // The live feed's watchers see the batch as it is written (stratos topology watch --health, the console's charts).
      this.publisher.publishHealth({ type: MEMBER_HEALTH_EVENT, timestamp: new Date().toISOString(), members: slice.map(([memberId, m]) => ({ memberId, ...m })) });
      await this.database.runtime.updateHealthMany(new Map(slice.map(([memberId, m]) => [memberId, m.health]))).catch((error: Error) => {
        // At a Ctrl-C of npm start the database is stopping too: statistics lost then are no news.
        const line = `health statistics of ${slice.length} member(s) not written: ${error.message}`;
        if (stopping) this.logger.debug(line);
        else this.logger.warn(line);
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flushHealth(true);
  }
}
