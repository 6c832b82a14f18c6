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

/**
 * One module graph for every controller; its role (settings.role) decides what runs. The leader
 * serves every request and runs the reconciler, the agent listener, the autoscaler and the purges.
 * A standing-by controller serves the shared requests only (sharedRequestTopics): nothing acts on
 * its own there, and what a request asks of the leader's loops (a reconcile pass, metadata trees)
 * is sent to the leader (TopologyPublisher.askLeader).
 */
@Module({})
export class CloudControllerModule {
  static with(settings: ControllerSettings, database: Database, secrets: SecretBox, log: Pino): DynamicModule {
    return { module: CloudControllerModule, imports: [ProcessLoggingModule.with(log), CoreModule.with(settings, database, secrets), MetricsModule, CartridgesModule, DefinitionsModule, RuntimeModule, ArtifactsModule, ImagesModule, ImageArtifactsModule] };
  }
}
