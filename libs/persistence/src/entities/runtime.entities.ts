import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApplicationStatus, ClusterCrashes, ClusterSpec, ClusterStatus, GroupInstanceRef, MemberHealth, MemberStatus, MigrationMode, MigrationPhase, PortBinding } from '@stratos/contracts';

/** An application that is deployed (or being undeployed): the desired state the reconciler drives to. */
@Entity({ name: 'deployments' })
export class DeploymentEntity {
  /** The deployment's key: the application's id, or `<application>~t<tenantId>` for a tenant's own (deploymentKey). */
  @PrimaryColumn({ name: 'application_id', type: 'text' })
  applicationId: string;

  /** The application definition it was made from. */
  @Column({ name: 'definition_id', type: 'text' })
  definitionId: string;

  /** The tenant that deployed it for itself (a single-tenant application); null: the platform's. */
  @Column({ name: 'tenant_id', type: 'integer', nullable: true })
  tenantId: number | null;

  @Column({ name: 'policy_id', type: 'text' })
  policyId: string;

  @Column({ type: 'text' })
  status: ApplicationStatus;

  /** false once an undeploy was asked for: the reconciler takes everything down. */
  @Column({ type: 'boolean' })
  desired: boolean;

  /** An undeploy that does not wait for members to shut down gracefully. */
  @Column({ type: 'boolean', default: false })
  force: boolean;

  @Column({ name: 'operation_id', type: 'uuid' })
  operationId: string;

  /** What its members present to the metadata API (TOKEN in their launch payload); valid for this application only. A secret. */
  @Column({ name: 'metadata_token', type: 'text', nullable: true })
  metadataToken: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

@Entity({ name: 'clusters' })
export class ClusterEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'text' })
  clusterId: string;

  @Column({ name: 'application_id', type: 'text' })
  applicationId: string;

  @Column({ type: 'text' })
  alias: string;

  @Column({ name: 'service_name', type: 'text' })
  serviceName: string;

  @Column({ name: 'group_path', type: 'jsonb' })
  groupPath: string[];

  @Column({ type: 'text' })
  status: ClusterStatus;

  @Column({ name: 'min_members', type: 'integer' })
  minMembers: number;

  @Column({ name: 'max_members', type: 'integer' })
  maxMembers: number;

  /** The autoscaler's member count (kept within the bounds where it is read); null: the minimum. */
  @Column({ name: 'desired_members', type: 'integer', nullable: true })
  desiredMembers: number | null;

  @Column({ name: 'deployment_policy', type: 'text' })
  deploymentPolicy: string;

  @Column({ name: 'starts_after', type: 'jsonb' })
  startsAfter: string[];

  /** Launch settings resolved at deploy: driver, image, ports, properties, placement. */
  @Column({ type: 'jsonb' })
  spec: ClusterSpec;

  /** Moved by each git hook for its repository: members pull when it does. */
  @Column({ name: 'artifact_revision', type: 'integer', default: 0 })
  artifactRevision: number;

  /** Its spec's revision: raised by an upgrade that changes what its members are launched from. */
  @Column({ type: 'integer', default: 0 })
  revision: number;

  /** Group scaling: the instance of its scaling group (null: in none). */
  @Column({ name: 'group_instance', type: 'jsonb', nullable: true })
  groupInstance: GroupInstanceRef | null;

  /** Its crash loop, as the leader's reconciler last recorded it (null: none). */
  @Column({ type: 'jsonb', nullable: true })
  crashes?: ClusterCrashes | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity({ name: 'members' })
export class MemberEntity {
  @PrimaryColumn({ name: 'member_id', type: 'text' })
  memberId: string;

  @Column({ name: 'cluster_id', type: 'text' })
  clusterId: string;

  @Column({ name: 'application_id', type: 'text' })
  applicationId: string;

  @Column({ type: 'text' })
  status: MemberStatus;

  /** Its slot in the cluster (1, 2, …): stable, and inherited by the member that replaces it. */
  @Column({ type: 'integer' })
  sid: number;

  @Column({ name: 'network_partition_id', type: 'text' })
  networkPartitionId: string;

  @Column({ name: 'partition_id', type: 'text' })
  partitionId: string;

  @Column({ type: 'text' })
  driver: string;

  @Column({ name: 'instance_id', type: 'text', nullable: true })
  instanceId: string | null;

  @Column({ type: 'text', nullable: true })
  host: string | null;

  /** The image it was launched from (drivers that run images). */
  @Column({ type: 'text', nullable: true })
  image: string | null;

  /** The revision of its cluster's spec it was launched from: an older one is replaced by a rolling upgrade. */
  @Column({ name: 'cluster_revision', type: 'integer', default: 0 })
  clusterRevision: number;

  /** Which of its instances speaks for it (LaunchKey.incarnation): null for its first; a live migration's target has its own. */
  @Column({ type: 'text', nullable: true })
  incarnation: string | null;

  /** The host that launched it (its controller's STRATOS_HOME/host-id; see IaasDriver.holdsHere); null: launched before hosts were told apart. */
  @Column({ name: 'launched_on', type: 'text', nullable: true })
  launchedOn?: string | null;

  @Column({ type: 'jsonb' })
  ports: PortBinding[];

  /** Its latest health statistics: a table of their own (member_health), read with it by the runtime views only. */
  health?: MemberHealth | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'status_changed_at', type: 'timestamptz' })
  statusChangedAt: Date;

  /** When it first became Active; a member lost before that failed to start. */
  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt: Date | null;

  /** Why it was Lost (the transition's reason), while it is; what its cluster's crash loop says of it. */
  @Column({ name: 'lost_reason', type: 'text', nullable: true })
  lostReason?: string | null;
}

@Entity({ name: 'operations' })
export class OperationEntity {
  @PrimaryColumn({ name: 'operation_id', type: 'uuid' })
  operationId: string;

  @Column({ type: 'text' })
  kind: 'deploy' | 'undeploy' | 'bake' | 'upgrade';

  @Column({ name: 'application_id', type: 'text' })
  applicationId: string;

  @Column({ type: 'text' })
  status: 'running' | 'succeeded' | 'failed';

  @Column({ type: 'text' })
  message: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

/** Where a migrating member comes from or goes to, as stored (the source also keeps what ran there). */
export interface MigrationEndRecord {
  networkPartitionId: string;
  partitionId: string;
  driver: string;
  /** The source: its instance and image there; the target: the image it starts from (live: the instance started there). */
  instanceId?: string | null;
  image?: string | null;
  /** Live: the incarnation of the instance at this end (the source's: the member's when it began; null: its first). */
  incarnation?: string | null;
}

@Entity({ name: 'member_migrations' })
export class MemberMigrationEntity {
  @PrimaryColumn({ name: 'migration_id', type: 'uuid' })
  migrationId: string;

  @Column({ name: 'member_id', type: 'text' })
  memberId: string;

  @Column({ name: 'application_id', type: 'text' })
  applicationId: string;

  @Column({ name: 'cluster_id', type: 'text' })
  clusterId: string;

  @Column({ type: 'text' })
  mode: MigrationMode;

  @Column({ type: 'jsonb' })
  source: MigrationEndRecord;

  @Column({ type: 'jsonb' })
  target: MigrationEndRecord;

  @Column({ type: 'text' })
  phase: MigrationPhase;

  @Column({ name: 'copied_bytes', type: 'bigint', default: 0, transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  copiedBytes: number;

  @Column({ type: 'integer', default: 0 })
  rounds: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'downtime_ms', type: 'integer', nullable: true })
  downtimeMs: number | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;
}
