import { Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '@stratos/persistence';
import { DEFAULT_AUDIT_RETENTION_DAYS, ManagerSettings } from '../config';
import { AuditController } from './audit.controller';

/** Entries older than STRATOS_AUDIT_RETENTION_DAYS go: at start, then hourly. */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly database: Database,
    private readonly settings: ManagerSettings,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), 3600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<number> {
    const days = this.settings.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    try {
      const purged = await this.database.audit.purgeOlderThan(new Date(now.getTime() - days * 86_400_000));
      if (purged > 0) this.logger.log(`purged ${purged} audit entries older than ${days} days`);
      return purged;
    } catch (error) {
      this.logger.warn(`purging old audit entries: ${(error as Error).message}`);
      return 0;
    }
  }
}

@Module({ controllers: [AuditController], providers: [AuditRetention] })
export class AuditModule {}
