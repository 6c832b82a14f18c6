import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { Database } from '@stratos/persistence';
import { ConnectionMetrics } from '@stratos/runtime';

/** The manager's Prometheus metrics: HTTP requests, RPC latency to the controller, its broker and database connections, the process's own. */
@Injectable()
export class ManagerMetrics {
  readonly registry = new Registry();
  readonly http = new Histogram({ name: 'stratos_http_request_seconds', help: 'REST requests by method, route and status', labelNames: ['method', 'route', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });
  readonly rpc = new Histogram({ name: 'stratos_rpc_seconds', help: 'Requests to the cloud controller over MQTT, by topic and outcome', labelNames: ['topic', 'outcome'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [this.registry] });

  /** What the live feed brought this manager: topology events, and members' health batches (heard only while someone watches them). */
  readonly feed = new Counter({ name: 'stratos_manager_feed_messages_total', help: "Messages the manager's live feed received from the broker, by kind (topology, health)", labelNames: ['kind'], registers: [this.registry] });

  readonly connections: ConnectionMetrics;

  constructor(database: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'stratos_manager_' });
    this.connections = new ConnectionMetrics(this.registry, 'stratos-manager', () => database.poolStats());
  }
}
