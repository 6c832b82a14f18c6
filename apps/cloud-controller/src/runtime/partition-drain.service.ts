import { Injectable, Logger } from '@nestjs/common';
import { DomainError, LIVE_MEMBER_STATES, MemberStatus, MIGRATION_MODE_PROPERTY, parseRegionDriverName, type PartitionDrainView } from '@stratos/contracts';
import { Database, type ClusterEntity, type MemberEntity } from '@stratos/persistence';
import { nextPlacement } from './deployment-plan';
import { MemberMigrations } from './member-migration.service';

const MOVABLE: MemberStatus[] = [MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];
const POLL_MS = 200;

/**
 * Emptying a partition for maintenance (Kubernetes' cordon and drain): it is closed to new
 * members at once (stored: the reconciler places none there until it is uncordoned), then each
 * of its members is migrated, one at a time, to the partition its cluster's policy would place it
 * in among the open ones with room (partitionMax holds; the same driver, any of its regions). A
 * member no partition can take stays, with the reason. The drain's progress is kept in memory; the
 * migrations are stored (a controller that restarts finishes the one running; drain again for the rest).
 */
@Injectable()
export class PartitionDrains {
  private readonly logger = new Logger(PartitionDrains.name);
  private readonly drains = new Map<string, PartitionDrainView>();

  constructor(
    private readonly database: Database,
    private readonly migrations: MemberMigrations,
  ) {}

  async start(networkPartitionId: string, partitionId: string, actor: string): Promise<PartitionDrainView> {
    const key = `${networkPartitionId}/${partitionId}`;
    await this.assertPartition(networkPartitionId, partitionId);
    const running = this.drains.get(key);
    if (running?.state === 'Running') throw DomainError.conflict(`partition ${key} is being drained already`);
    await this.database.runtime.cordon(networkPartitionId, partitionId, actor);
    const members = (await this.database.runtime.members()).filter((m) => m.networkPartitionId === networkPartitionId && m.partitionId === partitionId && LIVE_MEMBER_STATES.includes(m.status));
    const view: PartitionDrainView = {
      networkPartitionId,
      partitionId,
      cordoned: true,
      state: 'Running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      members: members.map((m) => ({ memberId: m.memberId, clusterId: m.clusterId, to: null, mode: null, migrationId: null, phase: 'Waiting', reason: null })),
    };
    this.drains.set(key, view);
    this.logger.log(`partition ${key} cordoned by ${actor}; draining ${members.length} member(s)`);
    void this.run(view).catch((error: Error) => this.logger.error(`draining ${key}: ${error.stack ?? error.message}`));
    return structuredClone(view);
  }

  async status(networkPartitionId: string, partitionId: string): Promise<PartitionDrainView> {
    const view = this.drains.get(`${networkPartitionId}/${partitionId}`);
    if (!view) throw DomainError.notFound(`partition ${networkPartitionId}/${partitionId} has not been drained since the cloud controller started`);
    return { ...structuredClone(view), cordoned: (await this.database.runtime.cordoned()).has(`${networkPartitionId}/${partitionId}`) };
  }

  async uncordon(networkPartitionId: string, partitionId: string): Promise<{ networkPartitionId: string; partitionId: string; cordoned: false }> {
    await this.assertPartition(networkPartitionId, partitionId);
    if (this.drains.get(`${networkPartitionId}/${partitionId}`)?.state === 'Running') throw DomainError.conflict(`partition ${networkPartitionId}/${partitionId} is being drained: uncordon it once the drain finished`);
    if (!(await this.database.runtime.uncordon(networkPartitionId, partitionId))) throw DomainError.conflict(`partition ${networkPartitionId}/${partitionId} is not cordoned`);
    this.logger.log(`partition ${networkPartitionId}/${partitionId} uncordoned`);
    return { networkPartitionId, partitionId, cordoned: false };
  }

  private async assertPartition(networkPartitionId: string, partitionId: string): Promise<void> {
    const np = await this.database.definitions.findDocument('networkPartition', networkPartitionId);
    if (!np) throw DomainError.notFound(`network partition "${networkPartitionId}" does not exist`);
    if (!np.partitions.some((p) => p.id === partitionId)) throw DomainError.notFound(`network partition "${networkPartitionId}" has no partition "${partitionId}" (it has ${np.partitions.map((p) => p.id).join(', ')})`);
  }

  private async run(view: PartitionDrainView): Promise<void> {
    for (const entry of view.members) {
      const member = await this.database.runtime.findMember(entry.memberId);
      if (!member || !MOVABLE.includes(member.status)) {
        Object.assign(entry, { phase: 'Stays', reason: member ? `it is ${member.status}` : 'it is gone' });
        continue;
      }
      const cluster = await this.database.runtime.findCluster(member.clusterId);
      const target = cluster ? await this.targetFor(cluster, member) : null;
      if (!target) {
        Object.assign(entry, { phase: 'Stays', reason: `no open partition of deployment policy "${cluster?.deploymentPolicy}" has room for it` });
        continue;
      }
      entry.to = target;
      // Each cartridge's own way (migration.mode): live where it says so and the target is another region (within one, both instances would share a volume).
      const goesTo = cluster!.spec.placements.find((p) => `${p.networkPartitionId}/${p.partitionId}` === target);
      entry.mode = cluster!.spec.properties?.[MIGRATION_MODE_PROPERTY] === 'live' && goesTo?.driver !== member.driver ? 'live' : 'cold';
      try {
        const started = await this.migrations.start(member.memberId, { to: target, mode: entry.mode });
        entry.migrationId = started.migrationId;
        entry.phase = started.phase;
        for (;;) {
          const now = await this.migrations.get(started.migrationId);
          entry.phase = now.phase;
          entry.reason = now.reason;
          if (now.phase === 'Done' || now.phase === 'Failed') break;
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      } catch (error) {
        Object.assign(entry, { phase: 'Stays', reason: (error as Error).message });
      }
    }
    view.state = 'Finished';
    view.finishedAt = new Date().toISOString();
    const moved = view.members.filter((m) => m.phase === 'Done').length;
    this.logger.log(`partition ${view.networkPartitionId}/${view.partitionId} drained: ${moved} of ${view.members.length} member(s) moved`);
  }

  /** Where the cluster's policy would place the member among the open partitions with room, of its driver. */
  private async targetFor(cluster: ClusterEntity, member: MemberEntity): Promise<string | null> {
    const cordoned = await this.database.runtime.cordoned();
    const kind = (driver: string) => parseRegionDriverName(driver).driver;
    const open = cluster.spec.placements.filter((p) => !cordoned.has(`${p.networkPartitionId}/${p.partitionId}`) && kind(p.driver) === kind(member.driver));
    const counts = new Map<string, number>();
    for (const m of await this.database.runtime.members({ clusterId: cluster.clusterId })) {
      if (LIVE_MEMBER_STATES.includes(m.status)) counts.set(`${m.networkPartitionId}/${m.partitionId}`, (counts.get(`${m.networkPartitionId}/${m.partitionId}`) ?? 0) + 1);
    }
    const placement = nextPlacement({ ...cluster.spec, placements: open }, counts);
    return placement ? `${placement.networkPartitionId}/${placement.partitionId}` : null;
  }
}
