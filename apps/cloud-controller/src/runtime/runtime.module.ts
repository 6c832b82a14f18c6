import { Module } from '@nestjs/common';
import { Autoscaler } from '../autoscaler/autoscaler.service';
import { IaasModule } from '../iaas/iaas.module';
import { MetadataModule } from '../metadata/metadata.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { TopologyModule } from '../topology/topology.module';
import { AgentListener } from './agent-listener.service';
import { AgentSilence } from './agent-silence';
import { RecentMembers } from './recent-members';
import { DeploymentService } from './deployment.service';
import { HostKeeper } from './host-keeper.service';
import { MemberCredentials } from './member-credentials.service';
import { MemberLifecycle } from './member-lifecycle.service';
import { LiveMigrationTargets } from './live-migration-targets';
import { MemberMigrations } from './member-migration.service';
import { PartitionDrains } from './partition-drain.service';
import { MemberPasswordRotation } from './member-password-rotation.service';
import { Reconciler } from './reconciler.service';
import { RuntimeHandler } from './runtime.handler';

@Module({
  imports: [IaasModule, TopologyModule, MetadataModule, TenancyModule],
  controllers: [RuntimeHandler],
  providers: [Autoscaler, HostKeeper, DeploymentService, MemberLifecycle, MemberCredentials, MemberPasswordRotation, MemberMigrations, LiveMigrationTargets, PartitionDrains, Reconciler, AgentListener, { provide: AgentSilence, useValue: new AgentSilence() }, { provide: RecentMembers, useValue: new RecentMembers() }],
  exports: [Reconciler, DeploymentService],
})
export class RuntimeModule {}
