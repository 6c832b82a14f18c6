import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { RepositoryNotifyController } from './repository-notify.controller';

/** Members' artifacts from git: Stratos's git hook. */
@Module({ imports: [AuthModule, ControllerClientModule], controllers: [RepositoryNotifyController] })
export class ArtifactsModule {}
