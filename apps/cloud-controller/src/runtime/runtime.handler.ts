import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Topics, type LeaderAsked, type DeployRequest, type MemberLogsRequest, type ScaleRequest, type MigrateRequest, type UndeployRequest, type UpgradeRequest } from '@stratos/contracts';
import { Autoscaler } from '../autoscaler/autoscaler.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { reply } from '../rpc-reply';
import { SignUpsService } from '../tenancy/signups.service';
import { AgentListener } from './agent-listener.service';
import { DeploymentService } from './deployment.service';
import { MemberMigrations } from './member-migration.service';
import { PartitionDrains } from './partition-drain.service';
import { MemberPasswordRotation } from './member-password-rotation.service';
import { Reconciler } from './reconciler.service';

@Controller()
export class RuntimeHandler {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly signups: SignUpsService,
    private readonly reconciler: Reconciler,
    private readonly memberPasswords: MemberPasswordRotation,
    private readonly migrations: MemberMigrations,
    private readonly drains: PartitionDrains,
    private readonly autoscaler: Autoscaler,
    private readonly metadata: MetadataPublisher,
    private readonly agents: AgentListener,
  ) {}

  /** A standing-by controller served a shared request and asks the leader for its part, or relays what agents told it (no reply). */
  @EventPattern(Topics.leader.asked)
  async leaderAsked(@Payload() asked: LeaderAsked) {
    await this.agents.relayed(asked);
    const touched = Array.isArray(asked?.touched) ? asked.touched.filter((id): id is string => typeof id === 'string').slice(0, 10_000) : [];
    for (const applicationId of touched) this.metadata.touch(applicationId);
    if (asked?.reconcile === true) this.reconciler.kick();
  }

  @MessagePattern(Topics.memberPasswords.rotate)
  rotateMemberPasswords() {
    return reply(() => this.memberPasswords.start());
  }

  @MessagePattern(Topics.memberPasswords.rotation)
  memberPasswordRotation() {
    return reply(async () => this.memberPasswords.current());
  }

  /** A tenant's state changed: its sign-ups' trees are rebuilt; a pass suspends, resumes or stops its own deployments. */
  @MessagePattern(Topics.tenants.changed)
  tenantChanged(@Payload() request: { applicationIds: string[] }) {
    return reply(async () => {
      const refreshed = await this.signups.refresh(request.applicationIds);
      this.reconciler.kick();
      return refreshed;
    });
  }

  @MessagePattern(Topics.applications.deploy)
  deploy(@Payload() request: DeployRequest) {
    return reply(() => this.deployments.deploy(request));
  }

  @MessagePattern(Topics.applications.undeploy)
  undeploy(@Payload() request: UndeployRequest) {
    return reply(() => this.deployments.undeploy(request));
  }

  @MessagePattern(Topics.applications.scale)
  scale(@Payload() request: ScaleRequest) {
    return reply(() => this.deployments.scale(request));
  }

  @MessagePattern(Topics.applications.upgrade)
  upgrade(@Payload() request: UpgradeRequest) {
    return reply(() => this.deployments.upgrade(request));
  }

  @MessagePattern(Topics.applications.migrate)
  migrate(@Payload() request: MigrateRequest) {
    return reply(() => this.migrations.start(request.memberId, request.input));
  }

  @MessagePattern(Topics.applications.migration)
  migration(@Payload() request: { migrationId: string }) {
    return reply(() => this.migrations.get(request.migrationId));
  }

  @MessagePattern(Topics.applications.drain)
  drain(@Payload() request: { actor: { username: string }; networkPartitionId: string; partitionId: string }) {
    return reply(() => this.drains.start(request.networkPartitionId, request.partitionId, request.actor.username));
  }

  @MessagePattern(Topics.applications.drainStatus)
  drainStatus(@Payload() request: { networkPartitionId: string; partitionId: string }) {
    return reply(() => this.drains.status(request.networkPartitionId, request.partitionId));
  }

  @MessagePattern(Topics.applications.uncordon)
  uncordon(@Payload() request: { networkPartitionId: string; partitionId: string }) {
    return reply(() => this.drains.uncordon(request.networkPartitionId, request.partitionId));
  }

  @MessagePattern(Topics.applications.memberLogs)
  memberLogs(@Payload() request: MemberLogsRequest) {
    return reply(() => this.deployments.memberLogs(request));
  }

  @MessagePattern(Topics.applications.statistics)
  statistics(@Payload() request: { applicationId: string }) {
    return reply(() => this.autoscaler.statistics(request.applicationId));
  }

  @MessagePattern(Topics.applications.operation)
  operation(@Payload() request: { operationId: string }) {
    return reply(() => this.deployments.operation(request.operationId));
  }
}
