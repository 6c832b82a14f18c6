import { Gauge, type Registry } from 'prom-client';

export interface PoolStats {
  /** Connections open now. */
  total: number;
  idle: number;
  /** Queries waiting for a connection: above 0 for long, the pool is too small or PostgreSQL too slow. */
  waiting: number;
}

/**
 * The gauges every platform process has: whether each of its MQTT connections is up, and its
 * PostgreSQL pool. Read at each scrape, so they are never stale.
 */
export class ConnectionMetrics {
  private readonly brokers = new Map<string, () => boolean>();

  constructor(registry: Registry, processName: string, poolStats: () => PoolStats) {
    const brokers = this.brokers;
    new Gauge({
      name: 'stratos_broker_connected',
      help: 'Whether each MQTT connection of the process is up (1) or down (0)',
      labelNames: ['process', 'connection'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [connection, connected] of brokers) this.set({ process: processName, connection }, connected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'stratos_db_pool_connections',
      help: "The process's PostgreSQL pool: connections open (total), idle, and queries waiting for one",
      labelNames: ['process', 'state'],
      registers: [registry],
      collect() {
        const stats = poolStats();
        for (const state of ['total', 'idle', 'waiting'] as const) this.set({ process: processName, state }, stats[state]);
      },
    });
  }

  /** An MQTT connection to report: its name, and how to tell whether it is up now. */
  trackBroker(connection: string, connected: () => boolean): void {
    this.brokers.set(connection, connected);
  }
}
