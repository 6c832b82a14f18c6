import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DomainError,
  MemberStatus,
  parseRegionDriverName,
  TopologyEventType,
  type MemberMigrationView,
  type MigrationInput,
  type MigrationPhase,
  type Placement,
} from '@stratos/contracts';
import { Database, type ClusterEntity, type MemberEntity, type MemberMigrationEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { MemberLifecycle } from './member-lifecycle.service';
import { Reconciler } from './reconciler.service';

/** A member is moved only from where it serves. */
const MOVABLE: MemberStatus[] = [MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];
const STOP_GRACE_MS = 10_000;
const PROGRESS_EVERY_MS = 1000;
const ACTIVE_POLL_MS = 200;

export function toMigrationView(row: MemberMigrationEntity): MemberMigrationView {
  const end = (e: MemberMigrationEntity['source']) => ({ networkPartitionId: e.networkPartitionId, partitionId: e.partitionId, driver: e.driver });
  return {
    migrationId: row.migrationId,
    memberId: row.memberId,
    applicationId: row.applicationId,
    clusterId: row.clusterId,
    mode: row.mode,
    from: end(row.source),
    to: end(row.target),
    phase: row.phase,
    copiedBytes: row.copiedBytes,
    startedAt: row.startedAt.toISOString(),
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    downtimeMs: row.downtimeMs,
    reason: row.reason,
  };
}

/**
 * Cold migration of a member to another partition of its deployment policy, in its region or
 * another of the same driver: the member leaves its cluster's trees (Migrating: the platform's
 * doing, so nobody replaces it), stops, its volumes' data is streamed from the source region's
 * engine or folder into the target's, and it starts there with the same member id, slot and
 * metadata; the trees follow its new address once it is Active. Each phase is stored before it
 * runs, so a controller restarted mid-way carries the migration on; anything that fails before
 * the member is Active on the target rolls it back — the member starts again on the source,
 * whose data is untouched until the migration is done. The member ends on one side, running.
 */
@Injectable()
export class MemberMigrations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MemberMigrations.name);
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly drivers: DriverRegistry,
    private readonly reconciler: Reconciler,
    private readonly lifecycle: MemberLifecycle,
    private readonly publisher: TopologyPublisher,
    private readonly metadata: MetadataPublisher,
    private readonly settings: ControllerSettings,
  ) {}

  onApplicationBootstrap(): void {
    void this.database.runtime
      .unfinishedMigrations()
      .then((rows) => {
        for (const row of rows) {
          this.logger.log(`member ${row.memberId}: carrying on its migration ${row.migrationId} (${row.phase})`);
          this.drive(row);
        }
      })
      .catch((error: Error) => this.logger.error(`reading unfinished migrations: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true; // what runs stops at its next phase; the next start carries it on
    await Promise.allSettled(this.running.values());
  }

  async get(migrationId: string): Promise<MemberMigrationView> {
    const row = /^[0-9a-f-]{36}$/i.test(migrationId) ? await this.database.runtime.findMigration(migrationId) : null;
    if (!row) throw DomainError.notFound(`migration "${migrationId}" does not exist`);
    return toMigrationView(row);
  }

  async start(memberId: string, input: MigrationInput): Promise<MemberMigrationView> {
    const member = await this.database.runtime.findMember(memberId);
    if (!member) throw DomainError.notFound(`member "${memberId}" does not exist`);
    if (!MOVABLE.includes(member.status)) throw DomainError.conflict(`member "${memberId}" is ${member.status}: only a running member (Active, Suspended, In_Maintenance) is migrated`);
    const [cluster, deployment] = await Promise.all([this.database.runtime.findCluster(member.clusterId), this.database.runtime.findDeployment(member.applicationId)]);
    if (!cluster || !deployment?.desired) throw DomainError.conflict(`member "${memberId}"'s application is being undeployed`);
    const target = this.targetOf(cluster, member, input.to);
    const driver = this.drivers.get(target.driver)!;
    const health = (await driver.health?.()) ?? { answers: true };
    if (!health.answers) throw DomainError.conflict(`the ${target.driver} engine of partition "${target.partitionId}" does not answer${health.reason ? `: ${health.reason}` : ''}`);
    const there = (await this.database.runtime.members({ clusterId: cluster.clusterId })).filter((m) => m.networkPartitionId === target.networkPartitionId && m.partitionId === target.partitionId && m.status !== MemberStatus.Terminated);
    if (target.partitionMax !== null && there.length >= target.partitionMax) {
      throw DomainError.conflict(`partition "${target.partitionId}" holds ${there.length} member(s) of ${cluster.alias}, its partitionMax in deployment policy "${cluster.deploymentPolicy}"`, [{ path: '/to', message: `has no room (partitionMax ${target.partitionMax})` }]);
    }
    if (driver.images && !(await driver.imageExists(target.imageId))) {
      throw DomainError.conflict(`the ${target.driver} engine has no image "${target.imageId}" for member "${memberId}"${target.artifact ? `: distribute artifact ${target.artifact.name}@${target.artifact.version} there first` : ''}`, [{ path: '/to', message: 'its region lacks the member’s image' }]);
    }
    const row: MemberMigrationEntity = {
      migrationId: randomUUID(),
      memberId,
      applicationId: member.applicationId,
      clusterId: member.clusterId,
      mode: input.mode,
      source: { networkPartitionId: member.networkPartitionId, partitionId: member.partitionId, driver: member.driver, instanceId: member.instanceId, image: member.image },
      target: { networkPartitionId: target.networkPartitionId, partitionId: target.partitionId, driver: target.driver, image: target.imageId },
      phase: 'Stopping',
      copiedBytes: 0,
      startedAt: new Date(),
      stoppedAt: null,
      finishedAt: null,
      downtimeMs: null,
      reason: null,
    };
    if (!(await this.database.runtime.insertMigration(row))) throw DomainError.conflict(`member "${memberId}" is being migrated already`);
    const moving = await this.lifecycle.transition(memberId, MemberStatus.Migrating, { reason: `migrating to ${target.networkPartitionId}/${target.partitionId} (${target.driver}, ${input.mode})` });
    if (moving?.status !== MemberStatus.Migrating) {
      await this.finish(row, 'Failed', `member "${memberId}" stopped running before its migration began`);
      throw DomainError.conflict(`member "${memberId}" stopped running before its migration began`);
    }
    await this.announce(row);
    this.drive(row);
    return toMigrationView(row);
  }

  /** The partition `to` names among the cluster's (PARTITION, or NETWORK_PARTITION/PARTITION), checked against where the member is. */
  private targetOf(cluster: ClusterEntity, member: MemberEntity, to: string): Placement {
    const [np, partition] = to.includes('/') ? to.split('/') : [undefined, to];
    const all = cluster.spec.placements;
    const named = all.filter((p) => p.partitionId === partition && (np === undefined || p.networkPartitionId === np));
    const allowed = all.map((p) => `${p.networkPartitionId}/${p.partitionId}`);
    if (named.length === 0) throw DomainError.invalid(`deployment policy "${cluster.deploymentPolicy}" of ${cluster.alias} has no partition "${to}"`, [{ path: '/to', message: 'no such partition', allowed }]);
    if (named.length > 1) throw DomainError.invalid(`"${to}" is a partition of several network partitions`, [{ path: '/to', message: 'name it as NETWORK_PARTITION/PARTITION', allowed }]);
    const [target] = named;
    if (target.networkPartitionId === member.networkPartitionId && target.partitionId === member.partitionId) throw DomainError.invalid(`member "${member.memberId}" is in ${to} already`, [{ path: '/to', message: 'is where the member is', allowed: allowed.filter((a) => a !== `${member.networkPartitionId}/${member.partitionId}`) }]);
    const kind = (driver: string) => parseRegionDriverName(driver).driver;
    if (kind(target.driver) !== kind(member.driver)) throw DomainError.invalid(`a ${kind(member.driver)} member cannot move to partition "${to}", which runs ${kind(target.driver)} members`, [{ path: '/to', message: `runs ${kind(target.driver)} members` }]);
    if (!this.drivers.get(target.driver)) throw DomainError.conflict(`no ${target.driver} driver is installed for partition "${to}"`);
    return target;
  }

  private drive(row: MemberMigrationEntity): void {
    if (this.running.has(row.migrationId)) return;
    const work = this.steps(row)
      .catch((error: Error) => this.logger.error(`migration ${row.migrationId} of ${row.memberId}: ${error.stack ?? error.message}`))
      .finally(() => this.running.delete(row.migrationId));
    this.running.set(row.migrationId, work);
  }

  private async steps(row: MemberMigrationEntity): Promise<void> {
    try {
      if (row.phase === 'RollingBack') return await this.rollBack(row, row.reason ?? 'the controller stopped while it rolled back');
      if (row.phase === 'Stopping') await this.stopSource(row);
      if (this.stopped) return;
      if (row.phase === 'Copying') await this.copyVolumes(row);
      if (this.stopped) return;
      if (row.phase === 'Starting') await this.startTarget(row);
    } catch (error) {
      if (this.stopped) return;
      await this.rollBack(row, (error as Error).message);
    }
  }

  private async stopSource(row: MemberMigrationEntity): Promise<void> {
    const member = await this.memberOrGone(row);
    if (!member) return;
    // A controller that stopped between storing the migration and moving the member to Migrating: that first.
    if (member.status !== MemberStatus.Migrating) {
      const moving = MOVABLE.includes(member.status) ? await this.lifecycle.transition(member.memberId, MemberStatus.Migrating, { reason: `migrating to ${row.target.networkPartitionId}/${row.target.partitionId} (${row.target.driver}, ${row.mode})` }) : null;
      if (moving?.status !== MemberStatus.Migrating) return this.finish(row, 'Failed', `member "${member.memberId}" is ${member.status}, no longer running where it was`);
    }
    if (row.source.instanceId) await this.drivers.get(row.source.driver)?.terminate(row.source.instanceId, { graceMs: STOP_GRACE_MS });
    row.stoppedAt ??= new Date();
    await this.enter(row, row.source.driver === row.target.driver ? 'Starting' : 'Copying');
  }

  /** Each of the cluster's volumes, this member's slot: source engine or folder → target's, streamed, counted. */
  private async copyVolumes(row: MemberMigrationEntity): Promise<void> {
    const member = await this.memberOrGone(row);
    if (!member) return;
    const cluster = (await this.database.runtime.findCluster(row.clusterId))!;
    const source = this.drivers.get(row.source.driver)?.volumes;
    const target = this.drivers.get(row.target.driver)?.volumes;
    if (cluster.spec.volumes.length > 0 && (!source || !target)) throw new Error(`the ${row.source.driver} and ${row.target.driver} drivers cannot move volumes`);
    row.copiedBytes = 0;
    let said = Date.now();
    const count = (chunk: Buffer) => {
      row.copiedBytes += chunk.length;
      if (Date.now() - said >= PROGRESS_EVERY_MS) {
        said = Date.now();
        void this.announce(row).catch(() => undefined);
      }
    };
    await this.copyBakedImage(row, cluster, count);
    for (const volume of cluster.spec.volumes) {
      const ref = { clusterId: row.clusterId, slot: member.sid, volumeId: volume.id };
      const archive = await source!.read({ ...ref, image: row.source.image ?? row.target.image ?? '' });
      const counted = this.counter(count);
      const flowing = pipeline(archive, counted).catch((error: Error) => counted.destroy(error));
      try {
        await target!.write({ ...ref, image: row.target.image ?? '' }, counted);
      } catch (error) {
        counted.destroy(error as Error); // the source's side is let go too (its holder container removed)
        throw error;
      }
      await flowing;
    }
    await this.enter(row, 'Starting');
  }

  /** A stream that passes everything on, counting it. */
  private counter(count: (chunk: Buffer) => void): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        count(chunk);
        done(null, chunk);
      },
    });
  }

  /**
   * A cartridge baked into an image (stratos image bake) starts its members from it: the target's
   * engine gets it from the source's (docker save → load, counted with the data) unless it has it.
   */
  private async copyBakedImage(row: MemberMigrationEntity, cluster: ClusterEntity, count: (chunk: Buffer) => void): Promise<void> {
    const source = this.drivers.get(row.source.driver);
    const target = this.drivers.get(row.target.driver);
    if (!source?.images || !target?.images || !target.bake) return;
    const baked = (await this.database.cartridges.bakedImages([cluster.spec.cartridgeType])).get(cluster.spec.cartridgeType);
    if (!baked || (await target.images.inspect(baked.image))) return;
    if (!(await source.images.inspect(baked.image))) throw new Error(`neither engine has the cartridge's baked image ${baked.image}`);
    const counted = this.counter(count);
    const flowing = pipeline(await source.images.save(baked.image), counted).catch((error: Error) => counted.destroy(error));
    try {
      await target.images.load(counted);
    } catch (error) {
      counted.destroy(error as Error);
      throw error;
    }
    await flowing;
    row.target.image = baked.image;
  }

  /** Started on the target (or found there already, after a restart), its record moved, then Active: done. */
  private async startTarget(row: MemberMigrationEntity): Promise<void> {
    const member = await this.memberOrGone(row);
    if (!member) return;
    const cluster = (await this.database.runtime.findCluster(row.clusterId))!;
    const placement = this.placementOf(cluster, row.target);
    const driver = this.drivers.get(row.target.driver)!;
    const there = (await driver.list()).find((i) => i.memberId === row.memberId && i.running);
    if (!there || member.driver !== row.target.driver) {
      if (there) await driver.terminate(there.instanceId, { graceMs: 0 }); // half started before a restart: again, cleanly
      const { instance, image } = await this.reconciler.relaunch(member, placement);
      await this.moveRecord(row.memberId, { networkPartitionId: placement.networkPartitionId, partitionId: placement.partitionId, driver: placement.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image });
    }
    const deadline = Date.now() + this.settings.memberStartTimeoutMs;
    for (;;) {
      const now = await this.database.runtime.findMember(row.memberId);
      if (!now || now.status === MemberStatus.Terminated) return this.finish(row, 'Failed', 'the member was terminated while it started on the target');
      if (now.status === MemberStatus.Active) break;
      if (now.status === MemberStatus.Lost) throw new Error(`the member was lost while it started on the target`);
      if (Date.now() > deadline) throw new Error(`the member was not Active on the target within ${this.settings.memberStartTimeoutMs / 1000} s`);
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, ACTIVE_POLL_MS));
    }
    row.downtimeMs = Date.now() - row.startedAt.getTime();
    // The source's copy of its data is the past now: a later member of that slot there must not find it.
    if (row.source.driver !== row.target.driver) {
      for (const volume of cluster.spec.volumes) {
        await this.drivers
          .get(row.source.driver)
          ?.volumes?.remove({ clusterId: row.clusterId, slot: member.sid, volumeId: volume.id, image: row.source.image ?? '' })
          .catch((error: Error) => this.logger.warn(`migration ${row.migrationId}: the source's volume ${volume.id} stays: ${error.message}`));
      }
    }
    this.metadata.touch(row.applicationId);
    await this.finish(row, 'Done', null);
    this.logger.log(`member ${row.memberId} migrated to ${row.target.networkPartitionId}/${row.target.partitionId} (${row.target.driver}); down ${(row.downtimeMs / 1000).toFixed(1)} s`);
  }

  /**
   * Back to the source, whose data is untouched: whatever started on the target is stopped, the
   * member starts again where it was. Where even that fails it is Lost, and the reconciler
   * replaces it in its slot (which keeps the data) like any lost member.
   */
  private async rollBack(row: MemberMigrationEntity, reason: string): Promise<void> {
    this.logger.warn(`migration ${row.migrationId} of ${row.memberId}: ${reason}; rolling back`);
    row.reason = reason;
    await this.enter(row, 'RollingBack');
    const member = await this.memberOrGone(row);
    if (!member) return;
    try {
      const target = this.drivers.get(row.target.driver);
      for (const instance of (await target?.list().catch(() => [])) ?? []) if (instance.memberId === row.memberId) await target!.terminate(instance.instanceId, { graceMs: 0 }).catch(() => undefined);
      const cluster = (await this.database.runtime.findCluster(row.clusterId))!;
      // What was copied to the target is not the member's data: a later member of that slot there must not find it.
      if (row.source.driver !== row.target.driver) {
        for (const volume of cluster.spec.volumes) await target?.volumes?.remove({ clusterId: row.clusterId, slot: member.sid, volumeId: volume.id, image: row.target.image ?? '' }).catch(() => undefined);
      }
      const source = this.drivers.get(row.source.driver)!;
      const still = (await source.list()).find((i) => i.memberId === row.memberId && i.running);
      if (!still) {
        const { instance, image } = await this.reconciler.relaunch(member, this.placementOf(cluster, row.source));
        await this.moveRecord(row.memberId, { networkPartitionId: row.source.networkPartitionId, partitionId: row.source.partitionId, driver: row.source.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image });
      } else {
        await this.moveRecord(row.memberId, { networkPartitionId: row.source.networkPartitionId, partitionId: row.source.partitionId, driver: row.source.driver, instanceId: still.instanceId });
      }
    } catch (error) {
      await this.lifecycle.transition(row.memberId, MemberStatus.Lost, { reason: `its migration failed (${reason}) and it could not start again on the source: ${(error as Error).message}` });
    }
    await this.finish(row, 'Failed', reason);
  }

  /** Where a migration end is, as the cluster's spec places members there (its image there, its region). */
  private placementOf(cluster: ClusterEntity, end: MemberMigrationEntity['source']): Placement {
    const placement = cluster.spec.placements.find((p) => p.networkPartitionId === end.networkPartitionId && p.partitionId === end.partitionId);
    if (!placement) throw new Error(`partition ${end.networkPartitionId}/${end.partitionId} is no longer in the cluster's deployment policy`);
    return placement;
  }

  /** The member as it is, or null (and the migration finished) when it was terminated meanwhile (an undeploy). */
  private async memberOrGone(row: MemberMigrationEntity): Promise<MemberEntity | null> {
    const member = await this.database.runtime.findMember(row.memberId);
    if (member && member.status !== MemberStatus.Terminated) return member;
    await this.finish(row, 'Failed', 'the member was terminated while it was migrated');
    return null;
  }

  /** Where the member runs now: its record follows (status untouched: its agent's events move that). */
  private async moveRecord(memberId: string, changes: Partial<MemberEntity>): Promise<void> {
    await this.database.transaction(async (tx) => {
      const member = await tx.runtime.lockMember(memberId);
      if (member) await tx.runtime.saveMember({ ...member, ...changes });
    });
  }

  private async enter(row: MemberMigrationEntity, phase: MigrationPhase): Promise<void> {
    row.phase = phase;
    await this.database.runtime.saveMigration(row);
    await this.announce(row);
  }

  private async finish(row: MemberMigrationEntity, phase: 'Done' | 'Failed', reason: string | null): Promise<void> {
    row.phase = phase;
    row.reason = reason;
    row.finishedAt = new Date();
    await this.database.runtime.saveMigration(row);
    await this.announce(row);
  }

  private async announce(row: MemberMigrationEntity): Promise<void> {
    const event = await this.database.transaction((tx) =>
      tx.topology.append(TopologyEventType.MemberMigration, { applicationId: row.applicationId, clusterId: row.clusterId, memberId: row.memberId, migration: toMigrationView(row) }),
    );
    await this.publisher.publish(event);
  }
}
