import { Module } from '@nestjs/common';
import { TopologyRetention } from './topology-retention.service';

/** The leader's: one controller purges old events and expired tokens. */
@Module({ providers: [TopologyRetention] })
export class TopologyRetentionModule {}
