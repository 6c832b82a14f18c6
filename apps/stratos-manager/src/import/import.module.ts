import { Module } from '@nestjs/common';
import { CartridgesModule } from '../cartridges/cartridges.module';
import { DefinitionsModule } from '../definitions/definitions.module';
import { SignUpsModule } from '../signups/signups.module';
import { ImportController } from './import.controller';
import { ImportService } from './import.service';

@Module({ imports: [CartridgesModule, DefinitionsModule, SignUpsModule], controllers: [ImportController], providers: [ImportService] })
export class ImportModule {}
