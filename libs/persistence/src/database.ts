import { DataSource, type EntityManager } from 'typeorm';
import { ApiTokenEntity } from './entities/api-token.entity';
import { CartridgeEntity } from './entities/cartridge.entity';
import { DefinitionEntity } from './entities/definition.entity';
import { ClusterEntity, DeploymentEntity, MemberEntity, MemberMigrationEntity, OperationEntity } from './entities/runtime.entities';
import { TopologyEventEntity } from './entities/topology-event.entity';
import { TenantEntity } from './entities/tenant.entity';
import { UserEntity } from './entities/user.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { Definitions1764100000000 } from './migrations/1764100000000-definitions';
import { Runtime1764200000000 } from './migrations/1764200000000-runtime';
import { MemberSlots1764300000000 } from './migrations/1764300000000-member-slots';
import { CartridgeBundles1764400000000 } from './migrations/1764400000000-cartridge-bundles';
import { Metadata1764500000000 } from './migrations/1764500000000-metadata';
import { ArtifactRevisions1764600000000 } from './migrations/1764600000000-artifact-revisions';
import { BakedImages1764700000000 } from './migrations/1764700000000-baked-images';
import { LoginThrottle1764800000000 } from './migrations/1764800000000-login-throttle';
import { AuditLog1764900000000 } from './migrations/1764900000000-audit-log';
import { Tenants1765000000000 } from './migrations/1765000000000-tenants';
import { SignUps1765100000000 } from './migrations/1765100000000-signups';
import { DomainMappings1765200000000 } from './migrations/1765200000000-domain-mappings';
import { TenantDeployments1765300000000 } from './migrations/1765300000000-tenant-deployments';
import { TenantQuotas1765400000000 } from './migrations/1765400000000-tenant-quotas';
import { SignUpArtifactRevisions1765500000000 } from './migrations/1765500000000-signup-artifact-revisions';
import { TopologyAppendFunction1765600000000 } from './migrations/1765600000000-topology-append-function';
import { AuditRepository } from './repositories/audit.repository';
import { BakedImageEntity } from './entities/baked-image.entity';
import { MetadataRepository } from './repositories/metadata.repository';
import { CartridgeBundleEntity } from './entities/cartridge-bundle.entity';
import { CartridgeRepository } from './repositories/cartridge.repository';
import { DefinitionRepository } from './repositories/definition.repository';
import { RuntimeRepository } from './repositories/runtime.repository';
import { TopologyEventRepository } from './repositories/topology-event.repository';
import { DomainMappingRepository, SignUpRepository } from './repositories/signup.repository';
import { TenantRepository } from './repositories/tenant.repository';
import { UserRepository } from './repositories/user.repository';
import { ArtifactRepository } from './repositories/artifact.repository';
import { LocalArtifacts1766300000000 } from './migrations/1766300000000-local-artifacts';
import { DesiredMembers1766400000000 } from './migrations/1766400000000-desired-members';
import { GroupInstances1766500000000 } from './migrations/1766500000000-group-instances';
import { LeadershipRepository } from './repositories/leadership.repository';
import { PlatformRepository } from './repositories/platform.repository';
import { ControllerLeadership1766600000000 } from './migrations/1766600000000-controller-leadership';
import { PlatformIdentity1766700000000 } from './migrations/1766700000000-platform-identity';
import { SecretKeyCheck1766800000000 } from './migrations/1766800000000-secret-key-check';
import { MemberHealth1766900000000 } from './migrations/1766900000000-member-health';
import { MemberLaunchedOn1767000000000 } from './migrations/1767000000000-member-launched-on';
import { MemberEventCursor1767100000000 } from './migrations/1767100000000-member-event-cursor';
import { ClusterCrashes1767200000000 } from './migrations/1767200000000-cluster-crashes';
import { ImageArtifacts1765700000000 } from './migrations/1765700000000-image-artifacts';
import { MemberImage1765800000000 } from './migrations/1765800000000-member-image';
import { RollingUpgrades1765900000000 } from './migrations/1765900000000-rolling-upgrades';
import { MemberMigrations1766000000000 } from './migrations/1766000000000-member-migrations';
import { PartitionCordons1766100000000 } from './migrations/1766100000000-partition-cordons';
import { LiveMigration1766200000000 } from './migrations/1766200000000-live-migration';

const ENTITIES = [CartridgeEntity, CartridgeBundleEntity, BakedImageEntity, DefinitionEntity, DeploymentEntity, ClusterEntity, MemberEntity, OperationEntity, MemberMigrationEntity, TopologyEventEntity, TenantEntity, UserEntity, ApiTokenEntity];
const MIGRATIONS = [InitialSchema1764000000000, Definitions1764100000000, Runtime1764200000000, MemberSlots1764300000000, CartridgeBundles1764400000000, Metadata1764500000000, ArtifactRevisions1764600000000, BakedImages1764700000000, LoginThrottle1764800000000, AuditLog1764900000000, Tenants1765000000000, SignUps1765100000000, DomainMappings1765200000000, TenantDeployments1765300000000, TenantQuotas1765400000000, SignUpArtifactRevisions1765500000000, TopologyAppendFunction1765600000000, ImageArtifacts1765700000000, MemberImage1765800000000, RollingUpgrades1765900000000, MemberMigrations1766000000000, PartitionCordons1766100000000, LiveMigration1766200000000, LocalArtifacts1766300000000, DesiredMembers1766400000000, GroupInstances1766500000000, ControllerLeadership1766600000000, PlatformIdentity1766700000000, SecretKeyCheck1766800000000, MemberHealth1766900000000, MemberLaunchedOn1767000000000, MemberEventCursor1767100000000, ClusterCrashes1767200000000];
/** Held while migrating, so that a manager and a controller starting together migrate once. */
const MIGRATION_LOCK = 0x5747a701;

/** The repositories, bound to one connection or one transaction. */
export class Repositories {
  readonly artifacts: ArtifactRepository;
  readonly audit: AuditRepository;
  readonly cartridges: CartridgeRepository;
  readonly definitions: DefinitionRepository;
  readonly metadata: MetadataRepository;
  readonly runtime: RuntimeRepository;
  readonly signups: SignUpRepository;
  readonly domainMappings: DomainMappingRepository;
  readonly tenants: TenantRepository;
  readonly topology: TopologyEventRepository;
  readonly users: UserRepository;
  readonly leadership: LeadershipRepository;
  readonly platform: PlatformRepository;

  constructor(manager: EntityManager) {
    this.artifacts = new ArtifactRepository(manager);
    this.audit = new AuditRepository(manager);
    this.cartridges = new CartridgeRepository(manager);
    this.definitions = new DefinitionRepository(manager);
    this.metadata = new MetadataRepository(manager);
    this.runtime = new RuntimeRepository(manager);
    this.signups = new SignUpRepository(manager);
    this.domainMappings = new DomainMappingRepository(manager);
    this.tenants = new TenantRepository(manager);
    this.topology = new TopologyEventRepository(manager);
    this.users = new UserRepository(manager);
    this.leadership = new LeadershipRepository(manager);
    this.platform = new PlatformRepository(manager);
  }
}

export interface OpenDatabaseOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  poolSize?: number;
}

export class Database extends Repositories {
  private constructor(private readonly dataSource: DataSource) {
    super(dataSource.manager);
  }

  static async open(options: OpenDatabaseOptions): Promise<Database> {
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      applicationName: options.applicationName,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
      extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 },
    });
    await dataSource.initialize();
    const database = new Database(dataSource);
    if (options.migrate !== false) {
      try {
        await database.migrate();
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
    }
    return database;
  }

  async migrate(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await this.dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }

  /** Runs `work` in one transaction; everything it writes through `tx` commits or none of it does. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new Repositories(manager)));
  }

  /** The pg pool's connections now (for the metrics). */
  poolStats(): { total: number; idle: number; waiting: number } {
    const pool = (this.dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
