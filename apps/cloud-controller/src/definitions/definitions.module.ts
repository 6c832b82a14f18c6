import { Module } from '@nestjs/common';
import { DefinitionRegistry } from './definition-registry.service';
import { DefinitionsHandler } from './definitions.handler';

@Module({ controllers: [DefinitionsHandler], providers: [DefinitionRegistry], exports: [DefinitionRegistry] })
export class DefinitionsModule {}
