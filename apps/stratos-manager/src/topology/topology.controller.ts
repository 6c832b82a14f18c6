import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError, MEMBER_HEALTH_EVENT, SNAPSHOT_EVENT, type TopologyEvent, type TopologySnapshot, type TopologySnapshotEvent } from '@stratos/contracts';
import { ControllerClient } from '../controller-client/controller-client.service';
import { Database, readTopology } from '@stratos/persistence';
import type { FastifyReply } from 'fastify';
import { TenantAccessible, type AuthenticatedRequest } from '../auth/auth.guard';
import type { Caller } from '../auth/auth.service';
import { TopologyFeed } from './topology-feed.service';
import { isTenants, visibleToTenant, type TenantScope } from './tenant-view';

const HEARTBEAT_MS = 15_000;

/** The topology, and its events; a tenant's user sees its tenant's part of them (tenant-view.ts). */
@ApiTags('topology')
@ApiBearerAuth()
@TenantAccessible()
@Controller('topology')
export class TopologyController {
  constructor(
    private readonly database: Database,
    private readonly feed: TopologyFeed,
    private readonly controller: ControllerClient,
  ) {}

  /** A tenant caller's scope (the applications it signed up to), or null for the platform's users. */
  private async scopeOf(caller: Caller): Promise<TenantScope | null> {
    if (caller.tenantId === null) return null;
    return { tenantId: caller.tenantId, tenantDomain: caller.tenantDomain!, applications: new Set(await this.database.signups.applicationsOf(caller.tenantId)) };
  }

  @Get()
  @ApiOperation({ summary: "The topology now: services (cartridges), deployed applications with clusters and members, and the revision to watch from (a tenant's users: the applications it signed up to)" })
  async snapshot(@Req() request: AuthenticatedRequest): Promise<TopologySnapshot> {
    return this.topologyFor(await this.scopeOf(request.caller));
  }

  private async topologyFor(scope: TenantScope | null): Promise<TopologySnapshot> {
    const revision = await this.database.topology.latestRevision();
    const [{ items }, all] = await Promise.all([
      this.database.cartridges.list({ limit: 10_000, offset: 0 }),
      readTopology(this.database),
    ]);
    const applications = scope ? all.filter((a) => isTenants(a.applicationId, scope)) : all;
    const clusters = applications.flatMap((a) => a.clusters);
    return {
      revision,
      services: items.map((c) => ({ serviceName: c.type, category: c.category, multiTenant: c.definition.multiTenant ?? false, clusters: clusters.filter((k) => k.serviceName === c.type).map((k) => k.clusterId) })),
      applications,
    };
  }

  /**
   * Server-sent events, one per topology change, `id:` the revision. Resumes after `since`
   * (or the Last-Event-ID a reconnecting EventSource sends) from the stored log, then live.
   */
  @Get('events')
  @ApiOperation({ summary: "Server-sent topology events; ?since=REV resumes after that revision (a Snapshot event first if the log no longer holds it); ?health=true adds members' health every few seconds (MemberHealth events: no id, not resumable)" })
  @ApiQuery({ name: 'since', required: false })
  @ApiQuery({ name: 'health', required: false })
  async events(@Query('since') since: string | undefined, @Query('health') health: string | undefined, @Headers('last-event-id') lastEventId: string | undefined, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const from = since ?? lastEventId ?? 'now';
    if (from !== 'now' && !/^\d+$/.test(from)) throw DomainError.invalid('since must be a revision (an integer) or "now"', [{ path: '?since', message: 'must be an integer' }]);
    if (health !== undefined && health !== 'true' && health !== 'false') throw DomainError.invalid('health must be true or false', [{ path: '?health', message: 'must be one of true, false', allowed: ['true', 'false'] }]);
    const scope = await this.scopeOf(request.caller);
    // The stream is written on Node's response, as events come: Fastify's reply is done with.
    const response = reply.raw;
    const pending: TopologyEvent[] = [];
    let last = from === 'now' ? await this.database.topology.latestRevision() : Number(from);
    // Resuming from before what the log still holds: the topology now replaces the purged events.
    const oldest = from === 'now' ? 0 : await this.database.topology.oldestRevision();
    const snapshot = oldest > last + 1 ? await this.topologyFor(scope) : null;
    let live = false;
    const send = (event: TopologyEvent) => {
      if (event.revision <= last) return; // a duplicate (QoS 1) or already sent from the log
      last = event.revision;
      // A tenant's user: its part only (its scope follows its own sign-ups, in revision order); the id moves on either way.
      if (scope && !visibleToTenant(event, scope)) return;
      response.write(`id: ${event.revision}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // A live event after a gap (an earlier one still in the controller's outbox, or delivered
    // out of order) is preceded by what the log holds in between: a watcher never misses one.
    let chain = Promise.resolve();
    const sendLive = (event: TopologyEvent) => {
      chain = chain.then(async () => {
        if (event.revision > last + 1) (await this.database.topology.since(last)).filter((e) => e.revision < event.revision).forEach(send);
        send(event);
      }).catch(() => undefined);
    };
    const unsubscribe = this.feed.subscribe((event) => (live ? sendLive(event) : pending.push(event)));
    // Health: as it comes, no id (a reconnect resumes the topology events, and the next batch is seconds away); a tenant's users their members' only.
    const unsubscribeHealth =
      health === 'true'
        ? this.feed.subscribeHealth((batch) => {
            const members = scope ? batch.members.filter((m) => isTenants(m.applicationId, scope)) : batch.members;
            if (members.length > 0) response.write(`event: ${MEMBER_HEALTH_EVENT}\ndata: ${JSON.stringify({ ...batch, members })}\n\n`);
          })
        : () => undefined;
    reply.hijack();
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    response.flushHeaders();
    // An `id:` with no data tells the client where it stands, so a reconnect before any event loses nothing.
    if (snapshot) {
      const event: TopologySnapshotEvent = {
        type: SNAPSHOT_EVENT,
        revision: snapshot.revision,
        timestamp: new Date().toISOString(),
        notice: `revisions ${last + 1} to ${oldest - 1} were purged (kept for STRATOS_EVENT_RETENTION_HOURS); this is the topology at revision ${snapshot.revision}, and the events after it follow`,
        payload: snapshot,
      };
      last = snapshot.revision;
      response.write(`id: ${last}\nevent: ${SNAPSHOT_EVENT}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    response.write(`id: ${last}\n: topology events after revision ${last}\n\n`);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      unsubscribeHealth();
    });
    for (let batch = await this.database.topology.since(last); batch.length > 0; batch = await this.database.topology.since(last)) {
      batch.forEach(send);
    }
    live = true;
    pending.sort((a, b) => a.revision - b.revision).forEach(sendLive);
  }
}
