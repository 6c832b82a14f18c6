export { Database, Repositories, type OpenDatabaseOptions } from './database';
export type { CartridgeEntity } from './entities/cartridge.entity';
export type { CartridgeBundleEntity } from './entities/cartridge-bundle.entity';
export type { BakedImageEntity } from './entities/baked-image.entity';
export type { UserRole } from './entities/user.entity';
export type { StoredUser } from './repositories/user.repository';
export type { DefinitionEntity } from './entities/definition.entity';
export type { ClusterEntity, DeploymentEntity, MemberEntity, OperationEntity } from './entities/runtime.entities';
export type { MetadataProperty, MetadataScope } from './repositories/metadata.repository';
