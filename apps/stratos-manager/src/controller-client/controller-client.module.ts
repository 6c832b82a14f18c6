import { Module } from '@nestjs/common';
import { ControllerClient } from './controller-client.service';

@Module({ providers: [ControllerClient], exports: [ControllerClient] })
export class ControllerClientModule {}
