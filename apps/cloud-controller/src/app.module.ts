import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Database } from '@stratos/persistence';
import { RpcInputInterceptor } from './rpc-input.interceptor';
import { ProcessLoggingModule } from '@stratos/runtime';
import type { Logger as Pino } from 'pino';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { ImagesModule } from './images/images.module';
import { ImageArtifactsModule } from './image-artifacts/image-artifacts.module';
import { MetricsModule } from './metrics/metrics.module';
import { CartridgesModule } from './cartridges/cartridges.module';
import { ControllerSettings } from './controller-settings';
import { DefinitionsModule } from './definitions/definitions.module';
import { RuntimeModule } from './runtime/runtime.module';
import { SecretBox } from './secrets/secret-box';
import { TopologyRetentionModule } from './topology/topology-retention.module';

/** Process-wide singletons, opened before Nest boots so that a bad DATABASE_URL fails first. */
@Global()
@Module({})
class CoreModule {
  static with(settings: ControllerSettings, database: Database, secrets: SecretBox): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: ControllerSettings, useValue: settings },
        { provide: Database, useValue: database },
        { provide: SecretBox, useValue: secrets },
        { provide: APP_INTERCEPTOR, useClass: RpcInputInterceptor },
      ],
      exports: [ControllerSettings, Database, SecretBox],
    };
  }
}

/** The leading controller: every request, the reconciler, the agents, the autoscaler. */
@Module({})
export class CloudControllerModule {
  static with(settings: ControllerSettings, database: Database, secrets: SecretBox, log: Pino): DynamicModule {
    return { module: CloudControllerModule, imports: [ProcessLoggingModule.with(log), CoreModule.with(settings, database, secrets), MetricsModule, CartridgesModule, DefinitionsModule, RuntimeModule, ArtifactsModule, ImagesModule, ImageArtifactsModule, TopologyRetentionModule] };
  }
}

/**
 * A standing-by controller on a broker with shared subscriptions: the modules of the shared
 * requests (sharedRequestTopics) and nothing that acts on its own — no reconciler, no agent
 * listener, no purges.
 */
@Module({})
export class StandbyControllerModule {
  static with(settings: ControllerSettings, database: Database, secrets: SecretBox, log: Pino): DynamicModule {
    return { module: StandbyControllerModule, imports: [ProcessLoggingModule.with(log), CoreModule.with(settings, database, secrets), MetricsModule, CartridgesModule] };
  }
}
