import { Module } from '@nestjs/common';
import { MetadataModule } from '../metadata/metadata.module';
import { RepositoryHooksHandler } from './repository-hooks.handler';
import { RepositoryHooks } from './repository-hooks.service';

/** Members' artifacts from git: the hooks that tell them to pull. */
@Module({ imports: [MetadataModule], controllers: [RepositoryHooksHandler], providers: [RepositoryHooks] })
export class ArtifactsModule {}
