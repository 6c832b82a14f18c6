import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DomainError,
  MemberStatus,
  MIGRATION_MODE_PROPERTY,
  MIGRATION_MODES,
  parseRegionDriverName,
  TopologyEventType,
  type MemberMigrationView,
  type MigrationInput,
  type MigrationMode,
  type MigrationPhase,
  type Placement,
} from '@stratos/contracts';
import type { LaunchedInstance } from '@stratos/iaas';
import { Database, type ClusterEntity, type MemberEntity, type MemberMigrationEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { MemberLifecycle } from './member-lifecycle.service';
import { AgentListener } from './agent-listener.service';
import { LiveMigrationTargets, type TargetOutcome } from './live-migration-targets';
import { MemberCredentials } from './member-credentials.service';
import { Reconciler } from './reconciler.service';
import { emptyArchive, planRound, volumeDelta, type VolumeManifest } from './volume-delta';

/** A member is moved only from where it serves. */
const MOVABLE: MemberStatus[] = [MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];
const STOP_GRACE_MS = 10_000;
const PROGRESS_EVERY_MS = 1000;
const ACTIVE_POLL_MS = 200;
/** Live: copy rounds while the member serves, at most; fewer when a round's changes fit in LIVE_SMALL_ROUND_BYTES or stop shrinking. */
const LIVE_ROUNDS_MAX = 5;
const LIVE_SMALL_ROUND_BYTES = 1024 * 1024;
/** Live: rounds in a row that may fail while the member serves (an engine's archive of a file that grew as it was read) before the migration is given up. */
const LIVE_ROUND_FAILURES_MAX = 3;

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
    rounds: row.rounds,
    startedAt: row.startedAt.toISOString(),
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    downtimeMs: row.downtimeMs,
    reason: row.reason,
  };
}

/**
 * Migration of a member to another partition of its deployment policy, in its region or another
 * of the same driver, with the same member id, slot and metadata. Each phase is stored before it
 * runs, and the member ends on one side, running, with its data.
 *
 * Cold: the member leaves its cluster's trees (Migrating: the platform's doing, so nobody replaces
 * it), stops, its volumes' data is streamed from the source region's engine or folder into the
 * target's, and it starts there; the trees follow its new address once it is Active. A controller
 * restarted mid-way carries it on; anything that fails before the member is Active on the target
 * rolls it back — it starts again on the source, whose data is untouched until the end.
 *
 * Live (to another region): its volumes are copied while it serves — everything, then what
 * changed since, in rounds (volume-delta.ts) — and a second instance of it (an incarnation of its
 * own: its own broker identity and client id) is launched on the target on hold: its agent gets
 * ready and waits. Then the source is frozen (SIGSTOP, a container's pause) for the last round,
 * the target is told to go on, and once it is Active the member's record switches to it in one
 * transaction (its address in every tree: dependants' templates follow).
 * The frozen source is then killed, never resumed: nothing it held is acknowledged afterwards.
 * Until the switch, any failure — or a controller restart — kills the target and thaws the
 * source, which serves on as if nothing happened.
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
    private readonly credentials: MemberCredentials,
    private readonly liveTargets: LiveMigrationTargets,
    private readonly agents: AgentListener,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.role === 'standby') return; // the leader's
    void this.database.runtime
      .unfinishedMigrations()
      .then((rows) => {
        for (const row of rows) {
          this.logger.log(`member ${row.memberId}: ${row.mode === 'live' ? 'settling' : 'carrying on'} its ${row.mode} migration ${row.migrationId} (${row.phase})`);
          this.drive(row, { resumed: true });
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
    const mode = input.mode ?? this.defaultMode(cluster);
    const driver = this.drivers.get(target.driver)!;
    if (mode === 'live') this.checkLive(member, target);
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
      mode,
      source: { networkPartitionId: member.networkPartitionId, partitionId: member.partitionId, driver: member.driver, instanceId: member.instanceId, image: member.image, incarnation: member.incarnation },
      target: { networkPartitionId: target.networkPartitionId, partitionId: target.partitionId, driver: target.driver, image: target.imageId, ...(mode === 'live' ? { incarnation: randomBytes(6).toString('hex') } : {}) },
      phase: mode === 'live' ? 'Copying' : 'Stopping',
      copiedBytes: 0,
      rounds: 0,
      startedAt: new Date(),
      stoppedAt: null,
      finishedAt: null,
      downtimeMs: null,
      reason: null,
    };
    if (!(await this.database.runtime.insertMigration(row))) throw DomainError.conflict(`member "${memberId}" is being migrated already`);
    const moving = await this.lifecycle.transition(memberId, MemberStatus.Migrating, { reason: `migrating to ${target.networkPartitionId}/${target.partitionId} (${target.driver}, ${mode})` });
    if (moving?.status !== MemberStatus.Migrating) {
      await this.finish(row, 'Failed', `member "${memberId}" stopped running before its migration began`);
      throw DomainError.conflict(`member "${memberId}" stopped running before its migration began`);
    }
    await this.announce(row);
    this.drive(row);
    return toMigrationView(row);
  }

  /** The cartridge's `migration.mode` property, else cold. */
  private defaultMode(cluster: ClusterEntity): MigrationMode {
    const said = cluster.spec.properties?.[MIGRATION_MODE_PROPERTY];
    if (said === undefined) return 'cold';
    if (!MIGRATION_MODES.includes(said as MigrationMode)) {
      throw DomainError.conflict(`cartridge "${cluster.spec.cartridgeType}" says ${MIGRATION_MODE_PROPERTY} "${said}": name the mode (cold or live), or fix the property`, [{ path: '/mode', message: `the cartridge's ${MIGRATION_MODE_PROPERTY} is "${said}"`, allowed: [...MIGRATION_MODES] }]);
    }
    return said as MigrationMode;
  }

  /** A live migration runs two instances of the member at once, on two drivers that can freeze one: another region's. */
  private checkLive(member: MemberEntity, target: Placement): void {
    if (target.driver === member.driver) {
      throw DomainError.invalid(`a live migration moves a member to another region; partition "${target.partitionId}" is in the member's own (${member.driver}), where both instances would share one volume: migrate it cold`, [{ path: '/mode', message: 'live needs a partition in another region', allowed: ['cold'] }]);
    }
    for (const name of [member.driver, target.driver]) {
      if (!this.drivers.get(name)?.freeze) throw DomainError.conflict(`the ${name} driver cannot freeze an instance: migrate the member cold`, [{ path: '/mode', message: `${name} has no live migration`, allowed: ['cold'] }]);
    }
    if (!member.instanceId) throw DomainError.conflict(`member "${member.memberId}" has no instance to copy from`);
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

  private drive(row: MemberMigrationEntity, options: { resumed?: boolean } = {}): void {
    if (this.running.has(row.migrationId)) return;
    const work = (row.mode === 'live' ? this.liveSteps(row, options.resumed ?? false) : this.steps(row))
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
    row.rounds = 1;
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
      await this.moveRecord(row.memberId, { networkPartitionId: placement.networkPartitionId, partitionId: placement.partitionId, driver: placement.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image, incarnation: null });
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
        await this.moveRecord(row.memberId, { networkPartitionId: row.source.networkPartitionId, partitionId: row.source.partitionId, driver: row.source.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image, incarnation: null });
      } else {
        await this.moveRecord(row.memberId, { networkPartitionId: row.source.networkPartitionId, partitionId: row.source.partitionId, driver: row.source.driver, instanceId: still.instanceId });
      }
    } catch (error) {
      await this.lifecycle.transition(row.memberId, MemberStatus.Lost, { reason: `its migration failed (${reason}) and it could not start again on the source: ${(error as Error).message}` });
    }
    await this.finish(row, 'Failed', reason);
  }

  // ---- live ----

  private async liveSteps(row: MemberMigrationEntity, resumed: boolean): Promise<void> {
    const member = await this.memberOrGone(row);
    if (!member) return this.letGoOfLive(row);
    // After a restart (or a rollback cut short): switched already → its tail; otherwise back to the source, which never stopped serving for long.
    if (resumed || row.phase === 'RollingBack') {
      if (row.target.incarnation && member.incarnation === row.target.incarnation) {
        // Switched, and stopped before the member was said Active (the switch and that transition are two steps): say it now.
        if (member.status === MemberStatus.Migrating) {
          await this.lifecycle.transition(row.memberId, MemberStatus.Active, { reason: `live-migrated to ${row.target.networkPartitionId}/${row.target.partitionId} (${row.target.driver}); finished after a controller restart` });
          this.metadata.touch(row.applicationId);
        }
        return this.afterSwitch(row);
      }
      return this.rollBackLive(row, row.reason ?? 'the controller stopped during the live migration: the member serves from its source again');
    }
    const manifests = new Map<string, VolumeManifest>();
    const target = this.liveTargets.expect(row.memberId, row.target.incarnation!);
    try {
      const cluster = (await this.database.runtime.findCluster(row.clusterId))!;
      await this.preCopy(row, cluster, member.sid, manifests);
      if (this.stopped) return;
      const launched = await this.launchHeld(row, cluster, member, target.held);
      if (this.stopped) return;
      await this.freezeAndCopyLast(row, cluster, member.sid, manifests);
      if (this.stopped) return;
      await this.startAndSwitch(row, launched, target.active);
    } catch (error) {
      if (this.stopped) return; // the next start rolls it back
      return this.rollBackLive(row, (error as Error).message);
    } finally {
      target.cancel();
    }
    await this.afterSwitch(row);
  }

  /** Rounds while the member serves: all of it, then what changed since, until a round is small or stops shrinking. */
  private async preCopy(row: MemberMigrationEntity, cluster: ClusterEntity, slot: number, manifests: Map<string, VolumeManifest>): Promise<void> {
    await this.copyBakedImage(row, cluster, this.progress(row));
    if (cluster.spec.volumes.length === 0) return;
    let last = Number.POSITIVE_INFINITY;
    let failures = 0;
    for (let round = 1; round <= LIVE_ROUNDS_MAX && !this.stopped; round++) {
      let bytes: number;
      try {
        bytes = await this.copyRound(row, cluster, slot, manifests);
        failures = 0;
      } catch (error) {
        if (++failures >= LIVE_ROUND_FAILURES_MAX) throw error;
        this.logger.warn(`migration ${row.migrationId}: round ${round} failed (${(error as Error).message}); the next copies all again`);
        manifests.clear();
        continue;
      }
      row.rounds++;
      await this.enter(row, 'Copying');
      if (bytes <= LIVE_SMALL_ROUND_BYTES || bytes >= last) return;
      last = bytes;
    }
  }

  /** Frozen where it stands, then the last round: what changed since the one before. */
  private async freezeAndCopyLast(row: MemberMigrationEntity, cluster: ClusterEntity, slot: number, manifests: Map<string, VolumeManifest>): Promise<void> {
    await this.enter(row, 'Freezing');
    row.stoppedAt = new Date();
    await this.drivers.get(row.source.driver)!.freeze!(row.source.instanceId!);
    if (cluster.spec.volumes.length > 0) {
      await this.copyRound(row, cluster, slot, manifests);
      row.rounds++;
    }
    await this.enter(row, 'Starting');
  }

  /**
   * One round over each of the cluster's volumes: the source's archive through the delta (what
   * changed since this volume's last round; all of it the first time, which replaces what the
   * target had), then what went since removed on the target. The bytes sent.
   */
  private async copyRound(row: MemberMigrationEntity, cluster: ClusterEntity, slot: number, manifests: Map<string, VolumeManifest>): Promise<number> {
    const source = this.drivers.get(row.source.driver)?.volumes;
    const target = this.drivers.get(row.target.driver)?.volumes;
    if (!source || !target) throw new Error(`the ${row.source.driver} and ${row.target.driver} drivers cannot move volumes`);
    let sent = 0;
    for (const volume of cluster.spec.volumes) {
      const ref = { clusterId: row.clusterId, slot, volumeId: volume.id };
      const previous = manifests.get(volume.id) ?? null;
      manifests.delete(volume.id); // until this round is whole: a failed one leaves the next to copy all again
      const readFromS = Math.floor(Date.now() / 1000);
      const sourceRef = { ...ref, image: row.source.image ?? row.target.image ?? '' };
      const targetRef = { ...ref, image: row.target.image ?? '' };
      if (source.list) {
        // Listed, then only what changed read: a round costs what changed, not the volume.
        const t0 = Date.now();
        const plan = planRound(previous, await source.list(sourceRef), readFromS);
        const t1 = Date.now();
        const counted = this.counter(this.progress(row));
        const reading = pipeline(await source.read(sourceRef, { only: plan.send }), counted).catch((error: Error) => counted.destroy(error));
        try {
          await target.write(targetRef, counted, { merge: previous !== null, remove: plan.removed });
        } catch (error) {
          counted.destroy(error as Error);
          throw error;
        }
        await reading;
        this.logger.debug(`migration ${row.migrationId}, volume ${volume.id}: listed in ${t1 - t0} ms; ${plan.send.length} entries (${plan.bytes} bytes) sent in ${Date.now() - t1} ms; ${plan.removed.length} removed`);
        manifests.set(volume.id, plan.manifest);
        sent += plan.bytes;
        continue;
      }
      const archive = await source.read(sourceRef);
      const delta = volumeDelta(previous, readFromS);
      const counted = this.counter(this.progress(row));
      const reading = pipeline(archive, delta.input).catch((error: Error) => counted.destroy(error));
      const passing = pipeline(delta.output, counted).catch((error: Error) => counted.destroy(error));
      try {
        await target.write(targetRef, counted, { merge: previous !== null });
      } catch (error) {
        counted.destroy(error as Error);
        throw error;
      }
      await Promise.all([reading, passing]);
      const result = await delta.result;
      if (result.removed.length > 0) await target.write(targetRef, emptyArchive(), { merge: true, remove: result.removed });
      manifests.set(volume.id, result.manifest);
      sent += result.bytes;
    }
    return sent;
  }

  /**
   * The target instance, with an incarnation of its own, beside the source still serving: launched
   * on hold, it gets ready (signed in, its bundle unpacked) and waits for its data — so that the
   * freeze lasts the last round and the workload's own start, not an agent's.
   */
  private async launchHeld(row: MemberMigrationEntity, cluster: ClusterEntity, member: MemberEntity, held: Promise<TargetOutcome>): Promise<{ placement: Placement; instance: LaunchedInstance; image: string | null }> {
    const placement = this.placementOf(cluster, row.target);
    const { instance, image } = await this.reconciler.relaunch(member, placement, { incarnation: row.target.incarnation!, hold: true });
    row.target.instanceId = instance.instanceId;
    await this.database.runtime.saveMigration(row);
    await this.targetSays(row, held, 'ready');
    return { placement, instance, image };
  }

  /** Its data whole, the target goes on; once it is Active the record switches to it and the member is Active again (one transaction). */
  private async startAndSwitch(row: MemberMigrationEntity, target: { placement: Placement; instance: LaunchedInstance; image: string | null }, active: Promise<TargetOutcome>): Promise<void> {
    const { placement, instance, image } = target;
    await this.agents.release(row.memberId, row.target.incarnation!);
    await this.targetSays(row, active, 'Active');
    const frozenS = ((Date.now() - row.stoppedAt!.getTime()) / 1000).toFixed(1);
    const switched = await this.database.transaction(async (tx) => {
      const now = await tx.runtime.lockMember(row.memberId);
      if (!now || now.status !== MemberStatus.Migrating) return false;
      await tx.runtime.saveMember({ ...now, networkPartitionId: placement.networkPartitionId, partitionId: placement.partitionId, driver: placement.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image, incarnation: row.target.incarnation! });
      return true;
    });
    if (!switched) throw new Error('the member stopped migrating before its switch');
    row.downtimeMs = Date.now() - row.stoppedAt!.getTime();
    await this.lifecycle.transition(row.memberId, MemberStatus.Active, { reason: `live-migrated to ${placement.networkPartitionId}/${placement.partitionId} (${placement.driver}); frozen ${frozenS} s` });
    this.metadata.touch(row.applicationId);
  }

  /** Until the target's agent says so (or fails, or the member stops migrating, or the start timeout passes). */
  private async targetSays(row: MemberMigrationEntity, outcome: Promise<TargetOutcome>, what: string): Promise<void> {
    const deadline = Date.now() + this.settings.memberStartTimeoutMs;
    for (;;) {
      const said = await Promise.race([outcome, new Promise<null>((r) => setTimeout(() => r(null), ACTIVE_POLL_MS))]);
      if (said?.ok) return;
      if (said) throw new Error(`the target instance failed: ${said.reason}`);
      if (this.stopped) throw new Error('the controller stopped');
      const now = await this.database.runtime.findMember(row.memberId);
      if (!now || now.status !== MemberStatus.Migrating) throw new Error(`the member became ${now?.status ?? 'gone'} while its target started`);
      if (Date.now() > deadline) throw new Error(`the target instance was not ${what} within ${this.settings.memberStartTimeoutMs / 1000} s`);
    }
  }

  /** Switched: the frozen source is killed (never resumed), its broker identity and its copy of the data removed. */
  private async afterSwitch(row: MemberMigrationEntity): Promise<void> {
    const source = this.drivers.get(row.source.driver);
    for (let attempt = 1; ; attempt++) {
      try {
        for (const instance of (await source?.list()) ?? []) if (instance.memberId === row.memberId) await source!.terminate(instance.instanceId, { graceMs: 0 });
        break;
      } catch (error) {
        if (attempt >= 5 || this.stopped) {
          this.logger.error(`migration ${row.migrationId}: the frozen source of ${row.memberId} could not be killed (${(error as Error).message}); the next start tries again`);
          return; // not Done: the next start settles it
        }
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
    await this.credentials.revokeInstance({ memberId: row.memberId, clusterId: row.clusterId, incarnation: row.source.incarnation ?? null });
    const cluster = await this.database.runtime.findCluster(row.clusterId);
    const member = await this.database.runtime.findMember(row.memberId);
    for (const volume of cluster?.spec.volumes ?? []) {
      await source?.volumes
        ?.remove({ clusterId: row.clusterId, slot: member?.sid ?? 0, volumeId: volume.id, image: row.source.image ?? '' })
        .catch((error: Error) => this.logger.warn(`migration ${row.migrationId}: the source's volume ${volume.id} stays: ${error.message}`));
    }
    await this.finish(row, 'Done', null);
    this.logger.log(`member ${row.memberId} live-migrated to ${row.target.networkPartitionId}/${row.target.partitionId} (${row.target.driver}) in ${row.rounds} round(s); frozen ${((row.downtimeMs ?? 0) / 1000).toFixed(2)} s`);
  }

  /**
   * Before the switch: the target instance and what was copied go, and the source — frozen or not —
   * serves on (thawed; started again there if it is gone meanwhile).
   */
  private async rollBackLive(row: MemberMigrationEntity, reason: string): Promise<void> {
    this.logger.warn(`live migration ${row.migrationId} of ${row.memberId}: ${reason}; rolling back`);
    row.reason = reason;
    await this.enter(row, 'RollingBack');
    const member = await this.memberOrGone(row);
    if (!member) return this.letGoOfLive(row);
    try {
      await this.removeTarget(row, member.sid);
      const source = this.drivers.get(row.source.driver)!;
      const still = (await source.list()).find((i) => i.memberId === row.memberId && i.running);
      if (still) {
        await source.thaw?.(still.instanceId);
        await this.lifecycle.transition(row.memberId, MemberStatus.Active, { reason: `its live migration failed (${reason}); it serves from ${row.source.networkPartitionId}/${row.source.partitionId} again` });
      } else {
        const cluster = (await this.database.runtime.findCluster(row.clusterId))!;
        const { instance, image } = await this.reconciler.relaunch(member, this.placementOf(cluster, row.source));
        await this.moveRecord(row.memberId, { networkPartitionId: row.source.networkPartitionId, partitionId: row.source.partitionId, driver: row.source.driver, instanceId: instance.instanceId, host: instance.host, ports: instance.ports, image, incarnation: null });
      }
    } catch (error) {
      await this.lifecycle.transition(row.memberId, MemberStatus.Lost, { reason: `its live migration failed (${reason}) and it could not serve from the source again: ${(error as Error).message}` });
    }
    await this.finish(row, 'Failed', reason);
  }

  /** The member was terminated (an undeploy) during a live migration: its target instance must not outlive it. */
  private async letGoOfLive(row: MemberMigrationEntity): Promise<void> {
    await this.removeTarget(row, null).catch((error: Error) => this.logger.warn(`migration ${row.migrationId}: ${error.message}`));
  }

  /** The target's instance of the member, its broker identity, and (slot known) the data copied there. */
  private async removeTarget(row: MemberMigrationEntity, slot: number | null): Promise<void> {
    const target = this.drivers.get(row.target.driver);
    for (const instance of (await target?.list().catch(() => [])) ?? []) if (instance.memberId === row.memberId) await target!.terminate(instance.instanceId, { graceMs: 0 }).catch(() => undefined);
    if (row.target.incarnation) await this.credentials.revokeInstance({ memberId: row.memberId, clusterId: row.clusterId, incarnation: row.target.incarnation });
    if (slot === null) return;
    const cluster = await this.database.runtime.findCluster(row.clusterId);
    for (const volume of cluster?.spec.volumes ?? []) await target?.volumes?.remove({ clusterId: row.clusterId, slot, volumeId: volume.id, image: row.target.image ?? '' }).catch(() => undefined);
  }

  /** Counts copied bytes into the migration, and says so (an event) at most once a second. */
  private progress(row: MemberMigrationEntity): (chunk: Buffer) => void {
    let said = Date.now();
    return (chunk) => {
      row.copiedBytes += chunk.length;
      if (Date.now() - said >= PROGRESS_EVERY_MS) {
        said = Date.now();
        void this.announce(row).catch(() => undefined);
      }
    };
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
