import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Database } from '@stratos/persistence';
import { ConnectionMetrics } from '@stratos/runtime';

/**
 * The cloud controller's Prometheus metrics: reconcile passes, agent events, members by state and
 * clusters in a crash loop (read from PostgreSQL at each scrape), and the process's own. The manager serves them at
 * GET /metrics beside its own (it asks for them over MQTT: the controller has no HTTP port).
 */
@Injectable()
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconcilePass = new Histogram({ name: 'stratos_reconcile_pass_seconds', help: 'Duration of a reconcile pass', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly autoscalerEvaluations = new Counter({ name: 'stratos_autoscaler_evaluations_total', help: 'Evaluations of every cluster by the autoscaler', registers: [this.registry] });
  readonly autoscalerDecisions = new Counter({ name: 'stratos_autoscaler_decisions_total', help: 'Scaling decisions, by direction', labelNames: ['direction'], registers: [this.registry] });
  readonly agentEvents = new Counter({ name: 'stratos_agent_events_total', help: 'Agent messages handled, by kind', labelNames: ['kind'], registers: [this.registry] });
  /** Health reports dropped while an earlier one of the same member still waited: its later one took the place. */
  readonly agentHealthSuperseded = new Counter({ name: 'stratos_agent_health_superseded_total', help: 'Agent health reports superseded by a later one of the same member before the controller reached them', registers: [this.registry] });
  /** Published only while a manager says someone watches members' health. */
  readonly healthBatchesPublished = new Counter({ name: 'stratos_controller_health_batches_published_total', help: "Batches of members' health published for the live feed's watchers", registers: [this.registry] });

  readonly connections: ConnectionMetrics;

  constructor(private readonly database: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'stratos_controller_' });
    this.connections = new ConnectionMetrics(this.registry, 'cloud-controller', () => database.poolStats());
    const database_ = this.database;
    new Gauge({
      name: 'stratos_members',
      help: 'Members by state and driver',
      labelNames: ['state', 'driver'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await database_.runtime.memberCounts()) this.set({ state: row.status, driver: row.driver }, row.count);
      },
    });
    new Gauge({
      name: 'stratos_clusters_crash_looping',
      help: 'Clusters whose members keep crashing (a ClusterCrashes event said so, and none since said it is over)',
      registers: [this.registry],
      async collect() {
        this.set(await database_.runtime.crashLoopingClusters());
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
