import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MemberStatus } from '@stratos/contracts';
import type { ActualInstance, IaasDriver } from '@stratos/iaas';
import { Database, type MemberEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';
import { MemberLifecycle } from './member-lifecycle.service';

/** Members whose instance should be running. */
const LAUNCHED: MemberStatus[] = [MemberStatus.Initialized, MemberStatus.Starting, MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];

/**
 * A standing-by controller tends its own host's local members (the drivers whose instances are
 * this host's processes: IaasDriver.holdsHere), which a leader on another host cannot see: one
 * whose instance is gone is recorded Lost at once — the leader, asked for a pass, replaces it —
 * and an instance whose member is gone (terminated while this host's controller did not lead:
 * stopped through its agent, or cut off when told to) is removed. Both are what the leader does
 * for its own host's members, and safe to do twice when the leader runs on this host too.
 */
@Injectable()
export class HostKeeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostKeeper.name);
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly drivers: DriverRegistry,
    private readonly lifecycle: MemberLifecycle,
    private readonly publisher: TopologyPublisher,
    private readonly settings: ControllerSettings,
  ) {}

  private hostBound(): IaasDriver[] {
    return this.drivers.all().filter((driver) => typeof driver.holdsHere === 'function');
  }

  onApplicationBootstrap(): void {
    if (this.settings.role !== 'standby' || this.hostBound().length === 0) return; // the leader's reconciler tends its own host
    for (const driver of this.hostBound()) driver.onInstanceExit?.(() => this.look());
    this.timer = setInterval(() => this.look(), this.settings.reconcileIntervalMs);
    this.timer.unref();
    this.look();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.looking;
  }

  /** One look at a time; one asked for meanwhile runs after it. */
  look(): void {
    if (this.stopped) return;
    if (this.again) return;
    this.again = true;
    this.looking = this.looking.then(async () => {
      this.again = false;
      if (this.stopped) return;
      try {
        for (const driver of this.hostBound()) await this.tend(driver);
      } catch (error) {
        this.logger.warn(`this host's members not looked at: ${(error as Error).message}`); // the next look tries again
      }
    });
  }

  private async tend(driver: IaasDriver): Promise<void> {
    const instances = await driver.list();
    if (instances.length === 0) return;
    const members = await this.database.runtime.findMembers(instances.map((i) => i.memberId));
    const { remove, lost } = hostVerdicts(driver.name, instances, members);
    for (const instance of remove) {
      this.logger.log(`removing ${driver.name} instance ${instance.instanceId} of member ${instance.memberId}: the member is gone`);
      await driver.terminate(instance.instanceId, { graceMs: 0 });
    }
    for (const instance of lost) {
      await this.lifecycle.transition(instance.memberId, MemberStatus.Lost, { reason: `its ${driver.name} instance ${instance.instanceId} is gone${instance.stopReason ? `: ${instance.stopReason}` : ''} (seen by ${this.settings.controllerId ?? 'its host'}'s controller)` });
    }
    if (lost.length > 0) this.publisher.askLeader({ reconcile: true });
  }
}

/**
 * What a host's controller does with its host's instances of one driver: those whose member is
 * gone are removed; those not running whose member should run (and names this instance) are Lost.
 */
export function hostVerdicts(driverName: string, instances: ActualInstance[], members: Pick<MemberEntity, 'memberId' | 'status' | 'driver' | 'instanceId'>[]): { remove: ActualInstance[]; lost: ActualInstance[] } {
  const byId = new Map(members.map((m) => [m.memberId, m]));
  const remove: ActualInstance[] = [];
  const lost: ActualInstance[] = [];
  for (const instance of instances) {
    const member = byId.get(instance.memberId);
    if (!member || member.status === MemberStatus.Terminated) remove.push(instance);
    // Another instance of the member (a live migration's other side) or another driver's record is not judged here.
    else if (!instance.running && member.driver === driverName && member.instanceId === instance.instanceId && LAUNCHED.includes(member.status)) lost.push(instance);
  }
  return { remove, lost };
}
