import { Module } from '@nestjs/common';
import { MemberCountsCache } from '@stratos/persistence';
import { ControllerClientModule } from '../controller-client/controller-client.module';
import { TopologyController } from './topology.controller';
import { TopologyFeed } from './topology-feed.service';

/** A cached count is read again after this long even if no event said it changed. */
const MEMBER_COUNTS_MAX_AGE_MS = 30_000;

@Module({
  imports: [ControllerClientModule],
  controllers: [TopologyController],
  providers: [
    TopologyFeed,
    // The runtime views' member counts, forgotten at every topology event this manager hears.
    {
      provide: MemberCountsCache,
      inject: [TopologyFeed],
      useFactory: (feed: TopologyFeed) => {
        const cache = new MemberCountsCache(MEMBER_COUNTS_MAX_AGE_MS, () => feed.listening);
        feed.onChange(() => cache.changed());
        return cache;
      },
    },
  ],
  exports: [TopologyFeed, MemberCountsCache],
})
export class TopologyModule {}
