import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '@stratos/persistence';
import { DEFAULT_EVENT_RETENTION_HOURS } from '../config';
import { ControllerSettings } from '../controller-settings';

const SWEEP_INTERVAL_MS = 3600_000;

/**
 * The topology log is kept for STRATOS_EVENT_RETENTION_HOURS, not forever: swept at start and
 * hourly. The newest event always stays (revisions go on from it); a watcher asking for a purged
 * revision gets a snapshot from the manager instead.
 */
@Injectable()
export class TopologyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TopologyRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly database: Database,
    private readonly settings: ControllerSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.role === 'standby') return; // the leader purges
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Purges what is older than the retention at `now`; returns how many went. */
  async sweep(now = new Date()): Promise<number> {
    const hours = this.settings.eventRetentionHours ?? DEFAULT_EVENT_RETENTION_HOURS;
    try {
      const { purged, oldestKept } = await this.database.topology.purgeOlderThan(new Date(now.getTime() - hours * 3600_000));
      if (purged > 0) this.logger.log(`purged ${purged} topology event(s) older than ${hours} h; the log starts at revision ${oldestKept}`);
      return purged;
    } catch (error) {
      this.logger.warn(`purging old topology events: ${(error as Error).message}`);
      return 0;
    }
  }
}
