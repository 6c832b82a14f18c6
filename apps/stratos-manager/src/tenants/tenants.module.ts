import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { TenantsController } from './tenants.controller';
import { TenantsService } from './tenants.service';

@Module({ imports: [AuthModule, ControllerClientModule], controllers: [TenantsController], providers: [TenantsService] })
export class TenantsModule {}
