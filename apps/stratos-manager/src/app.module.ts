import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Database } from '@stratos/persistence';
import { ProcessLoggingModule } from '@stratos/runtime';
import type { Logger as Pino } from 'pino';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { AuditModule } from './audit/audit.module';
import { ImagesModule } from './images/images.module';
import { ImageArtifactsModule } from './image-artifacts/image-artifacts.module';
import { MemberPasswordsModule } from './member-passwords/member-passwords.module';
import { MetricsModule } from './metrics/metrics.module';
import { AuthModule } from './auth/auth.module';
import { TenantsModule } from './tenants/tenants.module';
import { SignUpsModule } from './signups/signups.module';
import { CartridgesModule } from './cartridges/cartridges.module';
import { ManagerSettings } from './config';
import { ControllerClientModule } from './controller-client/controller-client.module';
import { DefinitionsModule } from './definitions/definitions.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { ImportModule } from './import/import.module';
import { HealthController } from './health/health.controller';
import { MetadataModule } from './metadata/metadata.module';
import { ErrorFilter } from './http/error.filter';
import { SchemasController } from './schemas/schemas.controller';
import { TopologyModule } from './topology/topology.module';

/** Process-wide singletons, opened before Nest boots so that a bad DATABASE_URL fails first. */
@Global()
@Module({})
class CoreModule {
  static with(settings: ManagerSettings, database: Database): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: ManagerSettings, useValue: settings },
        { provide: Database, useValue: database },
      ],
      exports: [ManagerSettings, Database],
    };
  }
}

@Module({})
export class StratosManagerModule {
  static with(settings: ManagerSettings, database: Database, log: Pino): DynamicModule {
    return {
      module: StratosManagerModule,
      imports: [ProcessLoggingModule.with(log), CoreModule.with(settings, database), MetricsModule, AuthModule, TenantsModule, SignUpsModule, AuditModule, ArtifactsModule, ImagesModule, ImageArtifactsModule, MemberPasswordsModule, ControllerClientModule, CartridgesModule, DefinitionsModule, DeploymentsModule, MetadataModule, TopologyModule, ImportModule],
      controllers: [HealthController, SchemasController],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
