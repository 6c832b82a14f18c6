import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Autoscaler } from '../autoscaler/autoscaler.service';
import { measuredItsStart } from '../autoscaler/statistics-window';
import { platformIdOf } from '@stratos/iaas';
import { brokerTrust, withoutNagle } from '@stratos/runtime';
import mqtt, { type MqttClient } from 'mqtt';
import {
  inspectJsonInput,
  eventCursorOf,
  eventVerdict,
  AgentEventType,
  AgentTopics,
  MemberStatus,
  MemberTopics,
  safeUrl,
  validateMetadataProperty,
  type AgentEvent,
  type AgentExports,
  type AgentReply,
  type EventAck,
  type EventCursor,
  type AgentRequest,
  type HealthReport,
  type LeaderAsked,
  type MemberControlMessage,
} from '@stratos/contracts';
import { Database, type MemberEntity } from '@stratos/persistence';
import { ControllerSettings } from '../controller-settings';
import { AGENT_GRACE_KEEPALIVES, DEFAULT_AGENT_KEEPALIVE_S, DEFAULT_HEALTH_INTERVAL_S } from '@stratos/contracts';
import { AgentSilence } from './agent-silence';
import { HealthRelay, relayOf } from './health-relay';
import { WaitingHealth } from './waiting-health';
import { MemberQueues } from './member-queues';
import { ControllerMetrics } from '../metrics/controller-metrics.service';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { SignUpsService } from '../tenancy/signups.service';
import { LiveMigrationTargets } from './live-migration-targets';
import { MemberLifecycle } from './member-lifecycle.service';
import { MemberPasswordRotation } from './member-password-rotation.service';
import { RecentMembers } from './recent-members';
import { Reconciler } from './reconciler.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';

// AgentDisconnected (a Last Will) is no transition of its own: see disconnected(). InstanceHeld comes from a live migration's target only (LiveMigrationTargets).
const TRANSITION_OF: Record<Exclude<AgentEvent['type'], 'MemberNotice' | 'CredentialsReceived' | 'AgentDisconnected' | 'TenantPrepared' | 'TenantPreparationFailed' | 'InstanceHeld'>, MemberStatus> = {
  [AgentEventType.InstanceStarted]: MemberStatus.Starting,
  [AgentEventType.InstanceActivated]: MemberStatus.Active,
  [AgentEventType.InstanceActivationFailed]: MemberStatus.Lost,
  [AgentEventType.InstanceMaintenance]: MemberStatus.InMaintenance,
  [AgentEventType.InstanceReadyToShutdown]: MemberStatus.ReadyToShutDown,
};
const SEEN_LIMIT = 10_000;
/** Events a standby relays to the leader rather than apply: the Last Will (its silence is the leader's to judge) and a password rotation's steps (the rotation runs there). */
const LEADERS_EVENTS = (event: Partial<AgentEvent>): boolean =>
  event.type === AgentEventType.AgentDisconnected || event.type === AgentEventType.CredentialsReceived || (event.type === AgentEventType.MemberNotice && typeof event.rotationId === 'string');
/** Stale members read again at most this often, this many per query. */
const REFRESH_EVERY_MS = 1000;
const REFRESH_BATCH = 1000;
/** How often a standing-by controller relays to the leader what it heard (the silence grace is seconds; the autoscaler's windows, tens of seconds). */
const RELAY_EVERY_MS = 250;
/**
 * Members whose messages are handled at once. An event holds two pooled connections at its peak
 * (its place among the member's events, locked, while its transition commits): 3 members take at
 * most 6 of the pool's 10, leaving the reconciler and the requests theirs.
 */
const MEMBERS_IN_FLIGHT = 3;
const STARTING: MemberStatus[] = [MemberStatus.Created, MemberStatus.Initialized, MemberStatus.Starting];
/** Members whose agent runs and should be heard from. */
const LIVE: MemberStatus[] = [MemberStatus.Initialized, MemberStatus.Starting, MemberStatus.Active, MemberStatus.Suspended, MemberStatus.InMaintenance];

/**
 * Agent events (QoS 1) become member transitions: facts recorded, then a reconcile pass.
 * An event for a member that does not exist, or whose ids do not match the topic it came on,
 * is logged and ignored; a duplicate delivery is ignored by its event id.
 */
@Injectable()
export class AgentListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentListener.name);
  private client: MqttClient;
  private readonly seen = new Set<string>();
  /** Stale rows of RecentMembers are read again together, off the message queue. */
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Each member's messages one at a time, in arrival order; MEMBERS_IN_FLIGHT members' at once. */
  private readonly queues = new MemberQueues(MEMBERS_IN_FLIGHT);
  /** A standby's: what it heard for the leader, sent every RELAY_EVERY_MS. */
  private readonly relay = new HealthRelay();
  /** Health reports waiting in the queue, one per member at most. */
  private readonly waitingHealth = new WaitingHealth<Buffer>();
  private relayTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly lifecycle: MemberLifecycle,
    private readonly reconciler: Reconciler,
    private readonly settings: ControllerSettings,
    private readonly metadata: MetadataPublisher,
    private readonly metrics: ControllerMetrics,
    private readonly silence: AgentSilence,
    private readonly signups: SignUpsService,
    private readonly memberPasswords: MemberPasswordRotation,
    private readonly liveTargets: LiveMigrationTargets,
    private readonly autoscaler: Autoscaler,
    private readonly publisher: TopologyPublisher,
    private readonly recent: RecentMembers,
  ) {}

  private get standsBy(): boolean {
    return this.settings.role === 'standby';
  }

  /**
   * On a broker with shared subscriptions every controller takes its turn with what agents send
   * (`$share/<group>/…`): their events, health reports (the bulk: one per agent per interval),
   * requests (bundles, tenants' repositories) and exports (metadata properties) — a standby on a
   * session of its own that ends with it, relaying to the leader what only the leader holds
   * (HealthRelay). A member's events are applied once each and in the order its agent sent them
   * by whichever controller is given them (event-order.ts: the agent sends the next only once one
   * acknowledged the last, and sends it again until then), so an event a standby dies holding is
   * not lost. Elsewhere the leader takes them all.
   */
  async onApplicationBootstrap(): Promise<void> {
    const group = this.settings.shareGroup ?? null;
    const taken = [AgentTopics.allEvents, AgentTopics.allHealth, AgentTopics.allRequests, AgentTopics.allExports];
    const shared = group ? taken.map((filter) => `$share/${group}/${filter}`) : taken;
    if (this.standsBy) {
      if (!group) return;
      this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
        ...brokerTrust(this.settings.mqttCaCert),
        clientId: `stratos-cc-agents-shared-${this.settings.controllerId ?? process.pid}`,
        reconnectPeriod: 1000,
        connectTimeout: 5000,
        clean: true,
      }));
      this.client.on('connect', () => this.client.subscribe(shared, { qos: 1 }));
      this.relayTimer = setInterval(() => {
        const asked = this.relay.take();
        if (asked) this.publisher.askLeader(asked);
      }, RELAY_EVERY_MS);
    } else {
      // The platform's session, not this process's (one controller leads at a time): the broker keeps
      // what agents say while none listens (QoS 1), and a controller that takes over hears it first.
      const platformId = await platformIdOf(this.settings.home);
      this.client = withoutNagle(mqtt.connect(this.settings.mqttUrl, {
        ...brokerTrust(this.settings.mqttCaCert),
        clientId: `stratos-cc-agents-${platformId}`,
        reconnectPeriod: 1000,
        connectTimeout: 5000,
        clean: false,
      }));
      this.metrics.connections.trackBroker('agent-events', () => this.client.connected);
      // Until subscribed (again) the controller hears no agent: their silence counts from here at the earliest.
      this.client.on('connect', () => {
        // The session outlives controllers: one that took these plain (before the broker shared) must not take them twice.
        if (group) this.client.unsubscribe(taken);
        this.client.subscribe(shared, { qos: 1 }, (error) => {
          if (!error) this.silence.listening(Date.now());
        });
      });
    }
    this.client.on('error', (error) => this.logger.warn(`MQTT (${safeUrl(this.settings.mqttUrl)}): ${error.message}`));
    // A member's messages one at a time, in arrival order (its events apply in the order it sent them); other members' beside them.
    this.client.on('message', (topic, payload) => {
      // Heard as it arrives, not when the queue reaches it. Not on the events topic: a Last Will comes there (events are counted in handle()).
      const memberId = AgentTopics.memberOf(topic);
      if (memberId && topic !== AgentTopics.events(memberId)) {
        if (this.standsBy) this.relay.spoke(memberId);
        else this.silence.spoke(memberId, Date.now());
      }
      if (!memberId) return; // not an agent's topic
      if (topic === AgentTopics.health(memberId)) {
        // At most one report per member waits: a later one takes its place (WaitingHealth).
        if (!this.waitingHealth.offer(memberId, payload)) return void this.metrics.agentHealthSuperseded.inc();
        this.queues.push(memberId, async () => {
          const latest = this.waitingHealth.take(memberId);
          if (latest !== undefined) await this.handle(topic, latest).catch((error: Error) => this.logger.error(`agent health on ${topic}: ${error.message}`));
        });
        return;
      }
      this.queues.push(memberId, () => this.handle(topic, payload).catch((error: Error) => this.logger.error(`agent event on ${topic}: ${error.message}`)));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.refreshTimer);
    clearInterval(this.relayTimer);
    await this.client?.endAsync(true);
    await this.queues.idle();
  }

  /**
   * A Last Will: the broker lost the agent (a dead process, a frozen one, a broker restart, a blip).
   * Not Lost yet — the reconciler decides after the grace, unless the agent speaks again first;
   * a dead process is found gone by the driver sooner anyway.
   */
  private async disconnected(member: MemberEntity): Promise<void> {
    if (!LIVE.includes(member.status)) return;
    this.silence.disconnected(member.memberId, Date.now());
    const graceS = (this.settings.agentKeepaliveS ?? DEFAULT_AGENT_KEEPALIVE_S) * AGENT_GRACE_KEEPALIVES;
    await this.lifecycle.notice(member, { level: 'warning', message: `its agent disconnected (Last Will); Lost unless it reconnects within ${graceS} s` });
    // A dead process is found gone now, not at the next resync — and again a second later, for the
    // driver may still see the instance for a moment after its agent's connection dropped.
    this.reconciler.kick();
    this.reconciler.kickAt(Date.now() + 1000);
    // And when its grace ends: Lost then if it stayed silent, not at the next periodic pass.
    this.reconciler.kickAt(Date.now() + graceS * 1000 + 100);
  }

  private async freshMember(memberId: string): Promise<MemberEntity | null> {
    const readAt = Date.now();
    const member = await this.database.runtime.findMember(memberId);
    this.recent.set(memberId, member, readAt);
    return member;
  }

  /** For health reports: the member as read lately (RecentMembers); a stale row is read again in the background with the others. */
  private async recentMember(memberId: string): Promise<MemberEntity | null> {
    const member = this.recent.get(memberId, Date.now());
    if (member === undefined) return this.freshMember(memberId);
    if (this.recent.staleCount > 0) this.refreshTimer ??= setTimeout(() => void this.refreshStale(), REFRESH_EVERY_MS);
    return member;
  }

  private async refreshStale(): Promise<void> {
    const ids = this.recent.takeStale(REFRESH_BATCH);
    try {
      const readAt = Date.now();
      const found = await this.database.runtime.findMembers(ids);
      const foundIds = new Set(found.map((m) => m.memberId));
      this.recent.refresh(found, readAt, ids.filter((id) => !foundIds.has(id)));
    } catch (error) {
      this.logger.debug(`members not read again: ${(error as Error).message}`); // the next report asks again
    } finally {
      this.refreshTimer = this.recent.staleCount > 0 ? setTimeout(() => void this.refreshStale(), REFRESH_EVERY_MS) : undefined;
    }
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const memberId = AgentTopics.memberOf(topic);
    if (!memberId) return;
    this.metrics.agentEvents.inc({ kind: topic.slice(topic.lastIndexOf('/') + 1) });
    let message: Partial<AgentEvent & HealthReport>;
    try {
      message = JSON.parse(payload.toString()) as Partial<AgentEvent & HealthReport>;
    } catch {
      this.logger.warn(`ignored a message on ${topic} that is not JSON`);
      return;
    }
    // What an agent sends passes the same checks as a REST body (NUL, surrogates, prototype keys, size) before anything reads it.
    const issue = inspectJsonInput(message);
    if (issue) {
      this.logger.warn(`ignored a message on ${topic}: ${issue.path || 'its root'} ${issue.message}`);
      return;
    }
    if (message.memberId !== memberId) {
      this.logger.warn(`ignored a message on ${topic} that names member ${String(message.memberId)}: forged or misrouted`);
      return;
    }
    // Health reports, the bulk of the traffic, read the member from a short-lived cache: its cluster
    // does not change, and a status seen a few seconds late only delays the "health says active" catch-up.
    let member = topic === AgentTopics.health(memberId) ? await this.recentMember(memberId) : await this.freshMember(memberId);
    // An event's place among its agent's (event-order.ts); none for a Last Will, or from an agent before cursors.
    const cursor = topic === AgentTopics.events(memberId) ? eventCursorOf(message) : null;
    // Two instances of one member during a live migration: only the one its record names speaks for it. The
    // other's events and health go to the migration waiting for it (its target), or nowhere (a former instance).
    const incarnation = typeof message.incarnation === 'string' ? message.incarnation : null;
    if (member && incarnation !== (member.incarnation ?? null) && (topic === AgentTopics.events(memberId) || topic === AgentTopics.health(memberId))) {
      if (topic === AgentTopics.health(memberId)) member = await this.freshMember(memberId); // a cached row may predate the switch
      if (member && incarnation !== (member.incarnation ?? null)) {
        if (this.standsBy) return this.relay.message(topic, payload); // the leader waits for it
        this.liveTargets.heard(memberId, incarnation, { type: (message as Partial<AgentEvent>).type, state: message.state, message: (message as Partial<AgentEvent>).message });
        // Taken, not applied to the member (its record names another instance): the instance's next event may come.
        if (cursor) await this.acknowledge(memberId, message as AgentEvent, cursor);
        return;
      }
    }
    if (topic === AgentTopics.events(memberId) && this.standsBy) {
      // What only the leader holds (a Last Will's silence, a password rotation's steps), and an event with no place to keep it in order, go to the leader.
      if (!cursor || LEADERS_EVENTS(message as Partial<AgentEvent>)) return this.relay.message(topic, payload);
      this.relay.spoke(memberId);
    }
    // Any word from an agent after its Last Will: it reconnected within the grace, and stays.
    if (member && !this.standsBy && (message as Partial<AgentEvent>).type !== AgentEventType.AgentDisconnected) {
      const silentMs = this.silence.heard(memberId, Date.now());
      if (silentMs !== undefined) await this.lifecycle.notice(member, { level: 'info', message: `its agent reconnected after ${(silentMs / 1000).toFixed(1)} s` });
    }
    if (topic === AgentTopics.requests(memberId)) {
      if (member) await this.answer(member, message as Partial<AgentRequest>);
      return;
    }
    if (topic === AgentTopics.exports(memberId)) {
      if (member && (message as Partial<AgentExports>).clusterId === member.clusterId) await this.record(member, message as Partial<AgentExports>);
      return;
    }
    if (topic.endsWith('/health')) {
      if (!member || typeof message.loadAverage !== 'number' || message.clusterId !== member.clusterId) return;
      this.lifecycle.recordHealth(member, message as HealthReport);
      // What its cluster scales by: the leader's windows (not a report that may have measured the member's start).
      if (member.status === MemberStatus.Active && !measuredItsStart(member.statusChangedAt, Date.now(), (this.settings.healthIntervalS ?? DEFAULT_HEALTH_INTERVAL_S) * 1000)) {
        if (this.standsBy) this.relay.report(message as HealthReport, member.applicationId);
        else this.autoscaler.record(message as HealthReport, member);
      }
      // Level, not edge: an active agent whose activation this controller never heard of is Active.
      if (message.state === 'active' && STARTING.includes(member.status)) {
        await this.lifecycle.transition(memberId, MemberStatus.Active, { reason: 'its health report says active' });
        this.recent.forget(memberId);
        this.reconciler.kick();
      }
      return;
    }
    const event = message as AgentEvent;
    if (!member) {
      this.logger.log(`ignored ${String(event.type)} for member ${memberId}: no such member (terminated, or forged)`);
      if (cursor) await this.acknowledge(memberId, event, cursor); // not to be sent again
      return;
    }
    if (event.clusterId !== member.clusterId) {
      this.logger.warn(`ignored ${String(event.type)} for member ${memberId}: it names cluster ${String(event.clusterId)}, the member is in ${member.clusterId}`);
      if (cursor) await this.acknowledge(memberId, event, cursor);
      return;
    }
    if (typeof event.eventId !== 'string' || event.eventId.length === 0) return;
    if (cursor) return this.inOrder(member, event, cursor);
    if (this.seen.has(event.eventId)) return;
    this.seen.add(event.eventId);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    return this.apply(member, event);
  }

  /**
   * Applies the member's event if it is the next one (eventVerdict), under a lock of the member's
   * events, and moves its cursor in the same transaction: two controllers given the same event
   * apply it once, and an event whose turn has not come is left for the agent to send again.
   * What is taken — applied, or known already — is acknowledged; a failure is not (sent again).
   */
  private async inOrder(member: MemberEntity, event: AgentEvent, cursor: EventCursor): Promise<void> {
    const verdict = await this.database.transaction(async (tx) => {
      const stored = await tx.runtime.lockEventCursor(member.memberId);
      if (stored === undefined) return 'gone' as const;
      const verdict = eventVerdict(stored, cursor);
      if (verdict !== 'apply') return verdict;
      await this.apply(member, event);
      await tx.runtime.moveEventCursor(member.memberId, cursor);
      return verdict;
    });
    if (verdict === 'early') {
      this.logger.debug(`member ${member.memberId}: event ${cursor.sequence} of its agent's run came before its turn; it will be sent again`);
      return;
    }
    await this.acknowledge(member.memberId, event, cursor);
  }

  /**
   * Tells the agent its event is taken: it sends the next one. Not waited for: a broker that went
   * away mid-publish must not hold the agents' queue until it is back, and an acknowledgement
   * lost with it only means the agent sends the event again (a duplicate, acknowledged then).
   */
  private async acknowledge(memberId: string, event: AgentEvent, cursor: EventCursor): Promise<void> {
    const ack: EventAck = { kind: 'event-ack', eventId: event.eventId, run: cursor.run, sequence: cursor.sequence, servedBy: this.settings.controllerId };
    this.client.publishAsync(MemberTopics.replies(memberId), JSON.stringify(ack), { qos: 1 }).catch((error: Error) => this.logger.debug(`event acknowledgement to ${memberId} not sent: ${error.message}`));
  }

  /** What an agent's event does to its member. */
  private async apply(member: MemberEntity, event: AgentEvent): Promise<void> {
    const memberId = member.memberId;
    if (event.type === AgentEventType.MemberNotice) {
      const message = typeof event.message === 'string' ? event.message.slice(0, 4096) : '';
      await this.lifecycle.notice(member, { level: event.level === 'warning' ? 'warning' : 'info', message });
      if (event.rotationId) this.memberPasswords.signedIn(memberId, event.rotationId);
      return;
    }
    if (event.type === AgentEventType.CredentialsReceived) return this.memberPasswords.received(memberId, event.rotationId);
    if (event.type === AgentEventType.AgentDisconnected) return this.disconnected(member);
    if (event.type === AgentEventType.TenantPrepared || event.type === AgentEventType.TenantPreparationFailed) return this.tenantEvent(member, event);
    const to = TRANSITION_OF[event.type as keyof typeof TRANSITION_OF];
    if (!to) {
      this.logger.warn(`ignored an agent event of unknown type ${String(event.type)} from ${memberId}`);
      return;
    }
    const reason = event.message ?? event.type;
    // A suspension is the platform's (its tenant is deactivated): an agent saying again that it is active does not end it.
    if (to === MemberStatus.Active && member.status === MemberStatus.Suspended) return;
    await this.lifecycle.transition(memberId, to, { reason });
    this.reconciler.kick();
  }

  /**
   * The leader takes what a standby relayed: the agents it heard (one after a Last Will has
   * reconnected, as if heard here), their reports for the autoscaler, and the messages only the
   * leader judges, handled as if they had come here.
   */
  async relayed(asked: LeaderAsked): Promise<void> {
    if (this.standsBy) return;
    const { heard, health, relayed } = relayOf(asked);
    const now = Date.now();
    for (const memberId of heard) {
      const silentMs = this.silence.heard(memberId, now);
      if (silentMs === undefined) continue;
      const member = await this.freshMember(memberId);
      if (member) await this.lifecycle.notice(member, { level: 'info', message: `its agent reconnected after ${(silentMs / 1000).toFixed(1)} s` });
    }
    for (const { report, applicationId } of health) this.autoscaler.record(report, { memberId: report.memberId, applicationId });
    for (const { topic, payload } of relayed) {
      const memberId = AgentTopics.memberOf(topic);
      if (memberId === null) continue;
      this.queues.push(memberId, () => this.handle(topic, Buffer.from(payload)).catch((error: Error) => this.logger.error(`agent event on ${topic} (relayed): ${error.message}`)));
    }
  }

  /** Lets an instance launched on hold (a live migration's target) go on: its data is whole. */
  async release(memberId: string, incarnation: string | null): Promise<void> {
    const message: MemberControlMessage = { type: 'start', incarnation };
    await this.client.publishAsync(MemberTopics.control(memberId), JSON.stringify(message), { qos: 1 });
  }

  /**
   * What a member exports: its own cluster's metadata properties (a member speaks for its own
   * cluster only; the broker lets it publish on its own topics only). Values are never logged.
   */
  private async record(member: MemberEntity, exports: Partial<AgentExports>): Promise<void> {
    const accepted: string[] = [];
    for (const property of Array.isArray(exports.properties) ? exports.properties.slice(0, 100) : []) {
      const { value, errors } = validateMetadataProperty(property);
      if (errors.length > 0) {
        await this.lifecycle.notice(member, { level: 'warning', message: `an export was refused: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` });
        continue;
      }
      await this.database.metadata.add({ applicationId: member.applicationId, clusterId: member.clusterId }, value);
      accepted.push(value.key);
    }
    if (accepted.length === 0) return;
    this.metadata.touch(member.applicationId);
    await this.lifecycle.notice(member, { level: 'info', message: `exported ${accepted.join(', ')} to cluster ${member.clusterId}` });
  }

  /** A multi-tenant member prepared a signed-up tenant, or could not. */
  private async tenantEvent(member: MemberEntity, event: AgentEvent): Promise<void> {
    if (!Number.isInteger(event.tenantId) || !Number.isInteger(event.revision)) {
      this.logger.warn(`ignored ${event.type} from member ${member.memberId}: no tenantId and revision`);
      return;
    }
    if (event.type === AgentEventType.TenantPrepared) return this.signups.prepared(member, event.tenantId!, event.revision!);
    const why = typeof event.message === 'string' ? event.message.slice(0, 4096) : 'no reason given';
    await this.signups.failed(member, event.tenantId!, event.revision!, why);
    await this.lifecycle.notice(member, { level: 'warning', message: `tenant ${event.tenantId} not prepared (sign-up revision ${event.revision}): ${why}` });
  }

  /** A member's request (its cartridge's bundle, a tenant's repository), answered on its own replies topic only. */
  private async answer(member: MemberEntity, request: Partial<AgentRequest>): Promise<void> {
    if (typeof request.requestId !== 'string' || (request.kind !== 'bundle' && request.kind !== 'tenant-artifacts')) {
      this.logger.warn(`ignored a request from member ${member.memberId} that is not one the controller answers`);
      return;
    }
    if (request.kind === 'tenant-artifacts') {
      let reply: AgentReply;
      try {
        if (!Number.isInteger(request.tenantId)) throw new Error('the request names no tenantId');
        reply = { requestId: request.requestId, ok: true, repository: await this.signups.artifactsFor(member, request.tenantId!), servedBy: this.settings.controllerId };
      } catch (error) {
        reply = { requestId: request.requestId, ok: false, error: (error as Error).message, servedBy: this.settings.controllerId };
      }
      await this.client.publishAsync(MemberTopics.replies(member.memberId), JSON.stringify(reply), { qos: 1 });
      return;
    }
    const cluster = (await this.database.runtime.clusters(member.applicationId)).find((c) => c.clusterId === member.clusterId);
    const cartridgeType = (cluster?.spec as { cartridgeType?: string } | undefined)?.cartridgeType;
    const bundle = cartridgeType ? await this.database.cartridges.bundleWithContent(cartridgeType) : null;
    const reply: AgentReply = bundle
      ? { requestId: request.requestId, ok: true, sha256: bundle.sha256, archive: bundle.content.toString('base64'), servedBy: this.settings.controllerId }
      : { requestId: request.requestId, ok: false, error: `cartridge "${cartridgeType ?? '?'}" has no bundle`, servedBy: this.settings.controllerId };
    await this.client.publishAsync(MemberTopics.replies(member.memberId), JSON.stringify(reply), { qos: 1 });
  }
}
