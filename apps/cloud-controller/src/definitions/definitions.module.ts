import { Module } from '@nestjs/common';
import { RuntimeModule } from '../runtime/runtime.module';
import { DefinitionRegistry } from './definition-registry.service';
import { DefinitionsHandler } from './definitions.handler';

@Module({ imports: [RuntimeModule], controllers: [DefinitionsHandler], providers: [DefinitionRegistry], exports: [DefinitionRegistry] })
export class DefinitionsModule {}
